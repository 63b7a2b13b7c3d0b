import Foundation
import ParcelDomain
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerScanning() {
        on(Method.scanners) { _, context in
            ScannersResult(scanners: context.engine.scanners().map(WireMapping.scanner))
        }

        on(Method.setScannerRole) { params, context in
            let role = try params.role.map { name in
                guard let role = ScannerRole(rawValue: name) else {
                    throw WireError(.invalidParams, "role: one of \(ScannerRole.allCases.map(\.rawValue).joined(separator: ", ")), or null")
                }
                return role
            }
            try await context.engine.setScannerRole(params.scanner, role: role)
            let status = context.engine.scanners().first { $0.descriptor.id == params.scanner }
            return ScannersResult(scanners: status.map { [WireMapping.scanner($0)] } ?? [])
        }

        on(Method.submitScan) { params, context in
            let outcome = await context.engine.handleScan(
                ScanInput(
                    scanner: ScannerDescriptor(id: params.scanner ?? "socket:\(context.connection.client)", source: "socket"),
                    text: params.text, symbology: params.symbology, sequence: context.connection.nextScanSequence(),
                    monotonicNanos: DispatchTime.now().uptimeNanoseconds, staff: params.staff))
            return WireMapping.scanOutcome(outcome, engine: context.engine)
        }

        on(Method.decodeLabel) { params, context in
            var bytes: [UInt8]? = nil
            if let base64 = params.data {
                guard let decoded = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
                    throw WireError(.invalidParams, "data: base64 image bytes")
                }
                bytes = [UInt8](decoded)
            } else if context.connection.peer == nil {
                // A path is read for the peer: only a file it may read itself (without credentials, none).
                throw WireError(.imageAccessDenied, "this connection has no peer credentials: send the image bytes inline")
            }
            let (reading, outcome) = try await context.engine.decodeLabel(
                path: params.path, bytes: bytes, act: params.act ?? false,
                scanner: ScannerDescriptor(id: params.scanner ?? "photo:\(context.connection.client)", source: "photo"),
                requester: context.connection.peer.map { PhotoRequester(pid: $0.pid, uid: $0.uid, gid: $0.gid) })
            return WireMapping.label(reading, scan: outcome, engine: context.engine)
        }
    }
}
