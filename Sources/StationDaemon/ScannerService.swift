import Foundation
import Logging
import ScannerInput
import ServiceLifecycle
import StationEngine

/// Reads the station's scanners (USB through libusb, serial) and hands every event to the engine, which acts
/// by each scanner's role. Duplicate suppression is the engine's (one place for every input path), so the hub's
/// own is off.
final class ScannerService: Service, Sendable {
    let hub: ScannerHub
    let engine: StationEngine
    let logger: Logger

    init(configuration: ScannerInputConfiguration, engine: StationEngine, logger: Logger) {
        var configuration = configuration
        configuration.duplicateWindowMilliseconds = 0
        self.hub = ScannerHub(configuration: configuration, logger: logger)
        self.engine = engine
        self.logger = logger
    }

    func run() async throws {
        do {
            try hub.start()
        } catch {
            // No libusb (a VM, a container): the station still works with serial scanners, photos and the socket.
            logger.error("USB scanners unavailable: \(error)")
        }
        await withGracefulShutdownHandler {
            for await event in hub.events { await handle(event) }
        } onGracefulShutdown: { [hub] in
            // stop() joins the reader threads: off the cooperative pool.
            Thread.detachNewThread { hub.stop() }
        }
    }

    func handle(_ event: ScannerEvent) async {
        switch event {
        case .attached(let description, _):
            engine.scannerAttached(Self.descriptor(description.identity, product: description.product))
        case .detached(let identity, let reason):
            logger.info("scanner gone", metadata: ["scanner": "\(identity.key)", "reason": "\(reason)"])
            engine.scannerDetached(Self.descriptor(identity))
        case .scan(let scan), .suppressedDuplicate(let scan):
            let descriptor = Self.descriptor(scan.scanner)
            _ = await engine.handleScan(
                ScanInput(
                    scanner: descriptor, text: scan.text, symbology: scan.symbology, sequence: scan.sequence,
                    monotonicNanos: scan.timestamp.nanoseconds))
            // From the code's last byte reaching libusb's thread to its committed outcome.
            let now = MonotonicInstant.now().nanoseconds
            engine.recordScanLatency(now > scan.timestamp.nanoseconds ? now - scan.timestamp.nanoseconds : 0, scanner: descriptor.id)
        case .partialDropped(let identity, let bytes, let reason):
            logger.warning("partial code dropped", metadata: ["scanner": "\(identity.key)", "reason": "\(reason)"])
            engine.scanDropped(Self.descriptor(identity), bytes: bytes.count)
        case .rejected(let identity, let bytes, let reason):
            engine.scanUnreadable(Self.descriptor(identity), bytes: bytes, reason: reason)
        case .error(let identity, let message):
            logger.error("scanner error", metadata: ["scanner": "\(identity?.key ?? "-")", "message": "\(message)"])
        }
    }

    static func descriptor(_ identity: ScannerIdentity, product: String? = nil) -> ScannerDescriptor {
        let source: String =
            switch identity.source {
            case .usbHIDKeyboard: "usb-keyboard"
            case .usbHIDPOS: "usb-pos"
            case .serial: "serial"
            case .photo: "photo"
            }
        return ScannerDescriptor(
            id: identity.key, source: source, vendorID: identity.vendorID, productID: identity.productID, serial: identity.serialNumber,
            port: identity.portPath ?? identity.deviceNode, product: product)
    }
}
