/// Event lines written by hand, as `ParcelReplyWriter` writes the scan replies: a replay sends thousands of them
/// in a row, and every committed change goes to each subscriber as one. Parcel events follow the Codable form of
/// `EventMessage<ParcelEventData>` (EventLineWriterTests decode them and compare); a station event's `data` is
/// the JSON object the ledger stored, written through with its time put first.
public enum EventLineWriter {
    /// `{"event":name,"seq":n,"data":{"event":{…},"parcel":{…}}}` and a newline.
    public static func parcelEvent(name: String, seq: Int64, _ data: ParcelEventData) -> [UInt8] {
        var out = JSONText()
        out.bytes.reserveCapacity(640)
        head(name: name, seq: seq, to: &out)
        let event = data.event
        out.raw("{\"event\":{\"seq\":")
        out.integer(event.seq)
        out.raw(",\"uid\":")
        out.string(event.uid)
        out.raw(",\"kind\":")
        out.string(event.kind)
        out.optional("from", event.from)
        out.raw(",\"to\":")
        out.string(event.to)
        out.raw(",\"at\":")
        out.string(event.at)
        out.raw(",\"actor\":")
        out.string(event.actor)
        out.raw(",\"details\":{")
        for (index, (key, value)) in event.details.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            out.string(value)
        }
        out.raw("}},\"parcel\":")
        ParcelReplyWriter.write(data.parcel, to: &out)
        out.raw("}}\n")
        return out.bytes
    }

    /// `{"event":name,"seq":n,"data":{"at":time,…}}` and a newline, `storedData` being a JSON object as the
    /// ledger keeps it (checked there with `json_valid`, written by the daemon's own encoder).
    public static func stationEvent(name: String, seq: Int64, at: String, storedData: String) -> [UInt8] {
        var out = JSONText()
        out.bytes.reserveCapacity(96 + storedData.utf8.count)
        head(name: name, seq: seq, to: &out)
        out.raw("{\"at\":")
        out.string(at)
        var data = Substring(storedData).drop { $0 == " " }
        if data.first == "{" { data = data.dropFirst() }
        if data.drop(while: { $0 == " " }).first != "}" { out.raw(",") }
        out.bytes.append(contentsOf: data.utf8)
        out.raw("}\n")
        return out.bytes
    }

    static func head(name: String, seq: Int64, to out: inout JSONText) {
        out.raw("{\"event\":")
        out.string(name)
        out.raw(",\"seq\":")
        out.integer(seq)
        out.raw(",\"data\":")
    }
}
