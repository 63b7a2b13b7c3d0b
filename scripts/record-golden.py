#!/usr/bin/env python3
"""Records one request and its reply for every socket method from a real daemon, as the golden files
Tests/StationProtocolTests/Golden/methods/<Method>.request.json and .result.json.

GoldenMessageTests decode each file with the method's declared params and result types and fail when one is
missing or does not round-trip, so a new method needs its pair here. Run after `swift build`:

    python3 scripts/record-golden.py [--daemon .build/debug/parcel-stationd] [--only Method.Name ...]

Times, ids and digests come from this run; review the diff before committing it.
"""
import argparse, base64, hashlib, json, os, socket, subprocess, sys, tempfile, time

# Signed handoffs need a second station's key: 王家村's, fixed here (PyPI `cryptography`).
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

WANG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WANG_PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/StationProtocolTests/Golden/methods")
LABEL = os.path.join(ROOT, "Tests/LabelDecodingTests/Fixtures/labels/label_0033.jpg")

CONFIG = {
    "station": {"id": "441581-lijiacun", "name": "李家村服务站"},
    "shelves": [{"id": 3, "layers": 4, "layerCapacity": 200}],
    "handoffs": {"parties": [{"id": "zto-wang", "name": "王师傅", "company": "ZTO", "badge": "BADGE-ZTO-0042", "pin": "4826"}]},
    "chain": {"stations": [{"id": "441581-wangjiacun", "name": "王家村服务站", "tier": "village",
                            "publicKey": WANG_PUBLIC, "villages": ["王家村"], "sortCodes": ["571-04"]}]},
}


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buffer = b""
        self.next_id = 1

    def call(self, method, params):
        request = {"id": self.next_id, "method": method, "params": params}
        self.next_id += 1
        self.sock.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        while True:
            while b"\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise SystemExit(f"daemon closed the connection during {method}")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            reply = json.loads(line)
            if "event" not in reply:
                return request, reply


def tiny_png():
    """A 1×1 grey PNG: a proof photo is stored and hashed by its bytes, never decoded."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


TINY_PNG = tiny_png()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--daemon", default=os.path.join(ROOT, ".build/debug/parcel-stationd"))
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="golden-")
    config = dict(CONFIG, backup={"folder": os.path.join(work, "backups"), "intervalMinutes": 360, "keep": 14})
    os.makedirs(config["backup"]["folder"])
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump(config, f, ensure_ascii=False)
    sock = os.path.join(work, "s.sock")
    log = open(os.path.join(work, "daemon.log"), "w")
    daemon = subprocess.Popen(
        [args.daemon, "--state-dir", os.path.join(work, "state"), "--socket", sock, "--config", os.path.join(work, "config.json")],
        stdout=log, stderr=log)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        c = Client(sock)
        recorded = {}

        def call(method, params, keep=True):
            request, reply = c.call(method, params)
            if "error" in reply:
                raise SystemExit(f"{method}: {reply['error']}")
            if keep:
                recorded[method] = (request, reply)
            return reply["result"]

        call("Station.Hello", {"protocol": {"major": 1, "minor": 4}, "client": "counter-display"})
        call("Parcel.Intake", {"tracking": "SF1234567890123", "phoneTail": "5678", "staff": "王芳"})
        call("Parcel.Intake", {"tracking": "YT2345678901234", "phoneTail": "5678"}, keep=False)
        call("Parcel.Intake", {"tracking": "75100000000009", "phoneTail": "0014"}, keep=False)
        call("Parcel.Intake", {"tracking": "SF2234567890123", "staff": "王芳"}, keep=False)
        call("Parcel.SetPhone", {"tracking": "SF2234567890123", "phoneTail": "2468", "staff": "王芳"})
        call("Parcel.Get", {"tracking": "SF1234567890123"})
        call("Parcel.Search", {"phoneTail": "5678", "active": True, "limit": 20})
        code = recorded["Parcel.Get"][1]["result"]["parcel"]["pickupCode"]
        call("Pickup.Verify", {"code": code, "counter": "A"})
        call("Pickup.Confirm", {"trackings": ["SF1234567890123"], "code": code, "staff": "王芳", "collector": "李四"})
        call("Pickup.AttachProof", {"tracking": "SF1234567890123", "kind": "photo", "bytes": TINY_PNG, "staff": "王芳"})
        recorded["Pickup.AttachProof"][0]["params"]["bytes"] = "iVBORw0KGgo…(the photo's bytes, base64)"
        call("Pickup.VerifyProofs", {})
        call("Parcel.Undo", {"tracking": "SF1234567890123", "step": "pickup", "reason": "handed to the wrong person", "staff": "王芳"})
        call("Parcel.Return", {"tracking": "YT2345678901234", "reason": "refused by the recipient", "staff": "王芳"})
        call("Notice.List", {"tracking": "SF1234567890123"})
        call("Scan.Submit", {"text": "]C0SF9876543210987\r", "scanner": "socket:counter-display", "symbology": "]C0", "staff": "王芳"})
        call("Scanner.SetRole", {"scanner": "socket:counter-display", "role": "intake"})
        call("Scanner.List", {})
        with open(LABEL, "rb") as f:
            call("Label.Decode", {"data": base64.b64encode(f.read()).decode(), "act": False})
        request, reply = recorded["Label.Decode"]
        request["params"]["data"] = "/9j/4AAQSkZJRgABAQ…(the photo's bytes, base64)"
        opened = call("Handoff.Open", {"direction": "inbound", "kind": "delivery", "party": "zto-wang", "node": "xiang-05", "nodeTier": "township"})
        handoff = opened["handoff"]["id"]
        call("Handoff.Import", {"handoff": handoff, "format": "csv",
                                "content": "tracking,courier,bag\n75100000000001,ZTO,BAG-A\n75100000000002,ZTO,BAG-A\n75100000000003,ZTO,\n"})
        call("Handoff.Scan", {"handoff": handoff, "text": "75100000000001", "staff": "王芳"})
        call("Handoff.Scan", {"handoff": handoff, "text": "75100000000002", "damaged": True, "note": "box crushed", "photo": "dmg-1.jpg"}, keep=False)
        call("Handoff.Close", {"handoff": handoff, "badge": "BADGE-ZTO-0042", "staff": "王芳"})
        call("Handoff.Get", {"handoff": handoff})
        call("Handoff.List", {"open": False, "limit": 10})
        discrepancies = call("Discrepancy.List", {})
        call("Discrepancy.Resolve", {"id": discrepancies["discrepancies"][0]["id"], "resolution": "found", "note": "came next day", "staff": "王芳"})
        call("Receipt.Export", {})
        call("Handoff.Parties", {})
        stocktake = call("Stocktake.Start", {"shelf": 3, "counter": "A"})["id"]
        call("Stocktake.Scan", {"stocktake": stocktake, "text": "75100000000009"})
        call("Stocktake.Get", {"stocktake": stocktake})
        call("Stocktake.Close", {"stocktake": stocktake})
        complaint = call("Complaint.Record", {"tracking": "75100000000009", "text": "通知未收到", "source": "phone", "staff": "王芳"})
        call("Complaint.Resolve", {"id": complaint["id"], "resolution": "re-sent the notice", "staff": "王芳"})
        call("Complaint.List", {"open": False, "limit": 20})
        problem = call("Problem.Open", {"tracking": "SF2234567890123", "kind": "damaged", "note": "外箱破损", "photo": "IMG_0042.jpg",
                                        "staff": "王芳"})
        call("Problem.Resolve", {"id": problem["problem"]["id"], "resolution": "returnedToCourier", "note": "courier took it back", "staff": "王芳"})
        call("Problem.OpenMissing", {"stocktake": stocktake, "staff": "王芳"})
        call("Problem.List", {"open": False, "limit": 20})
        call("Parcel.Intake", {"tracking": "JT5000112233445", "staff": "王芳"}, keep=False)
        call("Relay.Send", {"tracking": "JT5000112233445", "to": "王家村", "reason": "错分到本站", "staff": "王芳"})
        call("Relay.Bins", {})
        call("Relay.PullBack", {"tracking": "JT5000112233445", "reason": "收件人在本村", "staff": "王芳"})

        # A signed manifest from 王家村 (its lines in one bag), taken in and closed here with a signed receipt.
        def signed(body):
            text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(text.encode()).hexdigest()
            signature = base64.b64encode(WANG_KEY.sign(bytes.fromhex(digest))).decode()
            return {"body": text, "digest": digest, "signature": signature, "publicKey": WANG_PUBLIC}
        wang = {"id": "441581-wangjiacun", "name": "王家村服务站"}
        here = {"id": "441581-lijiacun", "name": "李家村服务站"}
        bag = "00106141411234567934"
        manifest = signed({
            "format": "parcel-station-manifest/1", "from": wang, "to": here, "seq": 1, "handoff": "01a31000-0000-7000-8000-000000000001",
            "kind": "transfer", "createdAt": "2026-12-04T08:00:00.000Z", "staff": "王村长",
            "lines": [{"tracking": t, "courier": "ZTO", "bag": bag, "destination": here["id"], "line": i + 1}
                      for i, t in enumerate(["75100000000021", "75100000000022"])],
            "bags": [{"id": bag, "lines": 2}]})
        inbound = call("Handoff.ImportSigned", {"document": manifest, "counter": "A", "staff": "王芳"})["handoff"]["id"]
        call("Handoff.Scan", {"handoff": inbound, "text": bag}, keep=False)
        call("Handoff.Scan", {"handoff": inbound, "text": "75100000000021"}, keep=False)
        call("Handoff.Close", {"handoff": inbound, "signed": True, "staff": "王芳"}, keep=False)
        call("Handoff.Documents", {"handoff": inbound})
        # A parcel for 王家村 leaves on a transfer whose manifest this station signs; 王家村's receipt closes it.
        call("Parcel.Intake", {"tracking": "JT5000112233452", "destination": "王家村", "staff": "王芳"}, keep=False)
        outbound = call("Handoff.Open", {"direction": "outbound", "kind": "transfer", "party": "zto-wang", "node": wang["id"],
                                         "nodeTier": "village"}, keep=False)["handoff"]["id"]
        call("Handoff.Scan", {"handoff": outbound, "text": "JT5000112233452"}, keep=False)
        sent = call("Handoff.SignManifest", {"handoff": outbound})["document"]
        receipt = signed({
            "format": "parcel-station-receipt/1", "station": wang, "seq": 1, "handoff": "01a31000-0000-7000-8000-000000000002",
            "direction": "inbound", "kind": "transfer", "party": {"id": here["id"], "name": here["name"]}, "node": here["id"],
            "nodeTier": "village", "openedAt": "2026-12-04T09:00:00.000Z", "closedAt": "2026-12-04T09:30:00.000Z",
            "confirmedBy": "station", "staff": "王村长",
            "counts": {"scanned": 1, "missing": 0, "extra": 0, "damaged": 0, "misrouted": 0, "expected": 1, "total": 1},
            "lines": [{"tracking": "JT5000112233452", "status": "scanned", "expected": True, "manifestLine": 1}],
            "manifestDigest": sent["digest"]})
        call("Handoff.ImportReceipt", {"document": receipt, "staff": "王芳"})
        call("Outgoing.Accept", {"waybill": "SF1000000000017", "courier": "SF", "destination": "广州", "weightGrams": 1200, "feeFen": 1200,
                                 "senderTail": "0014", "idChecked": True, "staff": "王芳"})
        call("Outgoing.List", {"open": True, "limit": 20})
        call("Report.Backlog", {"olderThanHours": 0})
        call("Report.Daily", {})
        call("Report.Monthly", {})
        call("Report.Ledger", {})
        call("Audit.Verify", {})
        call("Sync.Status", {})
        call("Backup.Now", {})
        call("Backup.List", {})
        call("Privacy.Purge", {})
        call("Privacy.Status", {})
        call("Station.Status", {})
        call("Events.Subscribe", {})
    finally:
        daemon.terminate()
        daemon.wait(10)
    os.makedirs(OUT, exist_ok=True)
    for method, (request, reply) in recorded.items():
        if args.only and method not in args.only:
            continue
        for suffix, value in (("request", request), ("result", reply)):
            with open(os.path.join(OUT, f"{method}.{suffix}.json"), "w") as f:
                json.dump(value, f, ensure_ascii=False, indent=2, sort_keys=True)
                f.write("\n")
    print(f"recorded {len(recorded)} methods in {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
