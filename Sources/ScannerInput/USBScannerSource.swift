internal import CLibUSB
import Foundation
import Logging
import Synchronization

/// Reads USB scanners through libusb: one context, one hot-plug registration with `LIBUSB_HOTPLUG_ENUMERATE` (so
/// scanners present at start and plugged in later take the same path), one event thread that does all libusb work.
/// Hot-plug and transfer callbacks only record what happened; opening and closing devices happens on the event
/// thread between calls to `libusb_handle_events`, where synchronous requests are allowed.
final class USBScannerSource: @unchecked Sendable {
    // Only `stopping` and `interruptible` are touched from other threads; everything else belongs to the event thread
    // (or to `start()` before that thread exists).
    private let configuration: ScannerInputConfiguration
    private let logger: Logger
    private let sink: @Sendable (SourceReport) -> Void
    private let stopping = Atomic<Bool>(false)
    /// The context (its address; 0 for none) while the event thread may be blocked in it, so `stop()` can interrupt it.
    private let interruptible = Mutex<UInt>(0)
    private let finished = DispatchSemaphore(value: 0)
    /// The input thread, so a `stop()` reached from it (a last release of the hub there) does not wait for itself.
    private let threadID = Mutex<pthread_t?>(nil)
    private let started = Atomic<Bool>(false)
    private var startError: String?
    private var hotplugHandle: libusb_hotplug_callback_handle = 0
    private var pending: [(arrived: Bool, device: OpaquePointer)] = []
    private var scanners: [OpenScanner] = []
    private var toClose: [OpenScanner] = []
    /// Catalogued devices whose open or claim failed (another program holds them, permissions not yet applied),
    /// tried again after these delays (STANDARDS P8: delayed rescans), each holding a device reference.
    private var retries: [(device: OpaquePointer, attempt: Int, due: MonotonicInstant)] = []
    static let retryDelaysMilliseconds = [1000, 3000]

    init(configuration: ScannerInputConfiguration, logger: Logger, sink: @escaping @Sendable (SourceReport) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.sink = sink
    }

    /// Starts the event thread and returns once hot-plug is registered (or throws why it could not be).
    func start() throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in run(ready: ready) }
        thread.name = "parcel-station.usb-scanners"
        thread.stackSize = 1 << 20
        thread.start()
        ready.wait()
        if let startError {
            finished.wait()
            started.store(false, ordering: .releasing)  // nothing to stop
            throw ScannerInputError.libusb(startError)
        }
    }

    /// Cancels transfers, releases and closes every scanner and joins the event thread.
    func stop() {
        guard started.load(ordering: .acquiring), !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        interruptible.withLock { address in
            if let context = OpaquePointer(bitPattern: address) { libusb_interrupt_event_handler(context) }
        }
        if let thread = threadID.withLock({ $0 }), pthread_equal(thread, pthread_self()) != 0 { return }
        finished.wait()
    }

    // MARK: - Event thread

    private func run(ready: DispatchSemaphore) {
        threadID.withLock { $0 = pthread_self() }
        defer { finished.signal() }
        var contextPointer: OpaquePointer?
        var rc = libusb_init(&contextPointer)
        guard rc == 0, let context = contextPointer else {
            startError = "libusb_init: \(Self.name(rc))"
            ready.signal()
            return
        }
        guard libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 else {
            libusb_exit(context)
            startError = "this libusb has no hot-plug support"
            ready.signal()
            return
        }
        interruptible.withLock { $0 = UInt(bitPattern: Int(bitPattern: context)) }
        // Every device, both directions; the catalogue decides later. ENUMERATE calls back here, now, for each
        // device already present.
        rc = libusb_hotplug_register_callback(
            context, Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue),
            Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue), LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            { _, device, event, userData in
                guard let device, let userData else { return 0 }
                let source = Unmanaged<USBScannerSource>.fromOpaque(userData).takeUnretainedValue()
                source.pending.append((event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED, libusb_ref_device(device)))
                return 0
            }, Unmanaged.passUnretained(self).toOpaque(), &hotplugHandle)
        guard rc == 0 else {
            interruptible.withLock { $0 = 0 }
            libusb_exit(context)
            startError = "libusb_hotplug_register_callback: \(Self.name(rc))"
            ready.signal()
            return
        }
        ready.signal()

        while !stopping.load(ordering: .acquiring) {
            processPending()
            closeFinished()
            let now = MonotonicInstant.now()
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            let deadlines = scanners.compactMap { $0.deadline(continuation: configuration.continuationTimeoutMilliseconds) }
            if let deadline = (deadlines + retries.map(\.due)).min() {
                let micros = deadline > now ? (deadline.nanoseconds - now.nanoseconds) / 1000 + 1000 : 0
                timeout = timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
            }
            rc = libusb_handle_events_timeout_completed(context, &timeout, nil)
            if rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED.rawValue {
                sink(.error(nil, message: "libusb_handle_events: \(Self.name(rc))"))
                usleep(100_000)  // never spin on a persistent error
            }
            expireDeadlines(at: .now())
            retryDue(at: .now())
        }
        shutDown(context)
    }

    private func processPending() {
        while !pending.isEmpty {
            let (arrived, device) = pending.removeFirst()
            if arrived {
                attach(device)
            } else if let scanner = scanners.first(where: { $0.device == device }) {
                gone(scanner, reason: "unplugged (hot-plug: left)")
            } else {
                dropRetries(of: device)
            }
            libusb_unref_device(device)
        }
    }

    /// A catalogued interface found on a device.
    private struct Candidate {
        var entry: ScannerCatalogueEntry
        var interfaceNumber: Int32
        var subclass: UInt8
        var interfaceProtocol: UInt8
        var endpoint: UInt8
        var packetSize: Int
        var reportDescriptorLength: Int?
    }

    /// The catalogued interfaces of a device, in interface order.
    private func findCandidates(_ device: OpaquePointer, _ descriptor: libusb_device_descriptor) -> [Candidate] {
        var configPointer: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(device, &configPointer) == 0, let config = configPointer else { return [] }
        defer { libusb_free_config_descriptor(config) }
        var candidates: [Candidate] = []
        for index in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[index]
            guard interface.num_altsetting > 0 else { continue }
            let alt = interface.altsetting[0]
            guard
                let entry = configuration.catalogue.first(where: {
                    $0.matches(
                        vendorID: descriptor.idVendor, productID: descriptor.idProduct, interfaceClass: alt.bInterfaceClass,
                        subclass: alt.bInterfaceSubClass, protocol: alt.bInterfaceProtocol)
                })
            else { continue }
            // The first interrupt IN endpoint carries the reports.
            guard
                let endpoint = (0..<Int(alt.bNumEndpoints)).map({ alt.endpoint[$0] }).first(where: {
                    $0.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue) && $0.bEndpointAddress & 0x80 != 0
                })
            else { continue }
            candidates.append(
                Candidate(
                    entry: entry, interfaceNumber: Int32(alt.bInterfaceNumber), subclass: alt.bInterfaceSubClass,
                    interfaceProtocol: alt.bInterfaceProtocol, endpoint: endpoint.bEndpointAddress,
                    packetSize: Int(endpoint.wMaxPacketSize & 0x7FF),
                    reportDescriptorLength: Self.reportDescriptorLength(extra: alt.extra, length: Int(alt.extra_length))))
        }
        return candidates
    }

    /// wDescriptorLength of the report descriptor, from the HID class descriptor (0x21) after the interface.
    static func reportDescriptorLength(extra: UnsafePointer<UInt8>?, length: Int) -> Int? {
        guard let extra else { return nil }
        let bytes = Array(UnsafeBufferPointer(start: extra, count: length))
        var index = 0
        while index + 1 < bytes.count, bytes[index] > 0 {
            let size = Int(bytes[index])
            if bytes[index + 1] == 0x21, size >= 9, index + size <= bytes.count {
                let count = Int(bytes[index + 5])
                for item in 0..<count where index + 8 + item * 3 < bytes.count && bytes[index + 6 + item * 3] == 0x22 {
                    return Int(bytes[index + 7 + item * 3]) | Int(bytes[index + 8 + item * 3]) << 8
                }
            }
            index += size
        }
        return nil
    }

    private func retryDue(at now: MonotonicInstant) {
        let due = retries.filter { $0.due <= now }
        retries.removeAll { $0.due <= now }
        for (device, attempt, _) in due {
            attach(device, attempt: attempt)
            libusb_unref_device(device)
        }
    }

    private func dropRetries(of device: OpaquePointer) {
        for retry in retries where retry.device == device { libusb_unref_device(retry.device) }
        retries.removeAll { $0.device == device }
    }

    /// Reports a failed open or claim and schedules the next attempt, if any is left.
    private func failed(_ device: OpaquePointer, _ identity: ScannerIdentity, attempt: Int, _ message: String) {
        guard attempt < Self.retryDelaysMilliseconds.count else {
            sink(.error(identity, message: message))
            return
        }
        let delay = Self.retryDelaysMilliseconds[attempt]
        sink(.error(identity, message: "\(message); trying again in \(delay) ms"))
        retries.append((libusb_ref_device(device), attempt + 1, MonotonicInstant.now().adding(milliseconds: delay)))
    }

    private func attach(_ device: OpaquePointer, attempt: Int = 0) {
        guard !scanners.contains(where: { $0.device == device }) else { return }
        var descriptor = libusb_device_descriptor()
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return }
        let candidates = findCandidates(device, descriptor)
        guard !candidates.isEmpty else { return }
        var identity = ScannerIdentity(
            source: .usbHIDKeyboard, vendorID: descriptor.idVendor, productID: descriptor.idProduct, portPath: Self.portPath(device),
            deviceNode: String(format: "/dev/bus/usb/%03d/%03d", libusb_get_bus_number(device), libusb_get_device_address(device)))
        var handlePointer: OpaquePointer?
        var rc = libusb_open(device, &handlePointer)
        guard rc == 0, let handle = handlePointer else {
            let hint = rc == LIBUSB_ERROR_ACCESS.rawValue ? " (no permission: install udev/70-parcel-station.rules)" : ""
            failed(device, identity, attempt: attempt, "libusb_open: \(Self.name(rc))\(hint)")
            return
        }
        identity.serialNumber = Self.string(handle, descriptor.iSerialNumber)
        let description = ScannerDescription(
            identity: identity, manufacturer: Self.string(handle, descriptor.iManufacturer),
            product: Self.string(handle, descriptor.iProduct))
        // Detach usbhid on claim (and give it back on release), so the scanner stops typing into the desktop.
        libusb_set_auto_detach_kernel_driver(handle, 1)
        // A composite scanner may offer a keyboard and a HID POS interface: take the first one that fits.
        var chosen: (Candidate, HIDReportDescriptor?)?
        for candidate in candidates {
            rc = libusb_claim_interface(handle, candidate.interfaceNumber)
            guard rc == 0 else {
                libusb_close(handle)
                failed(device, identity, attempt: attempt, "libusb_claim_interface(\(candidate.interfaceNumber)): \(Self.name(rc))")
                return
            }
            let reportDescriptor = Self.reportDescriptor(handle, candidate)
            if let page = candidate.entry.usagePage, let reportDescriptor, !reportDescriptor.usagePages.contains(page) {
                // Catalogued by id, but not the kind of interface asked for: give it back to its driver.
                libusb_release_interface(handle, candidate.interfaceNumber)
                continue
            }
            chosen = (candidate, reportDescriptor)
            break
        }
        guard let (candidate, reportDescriptor) = chosen else {
            libusb_close(handle)
            return
        }
        let scanner = OpenScanner(
            source: self, device: libusb_ref_device(device), handle: handle, interfaceNumber: candidate.interfaceNumber,
            endpoint: candidate.endpoint, packetSize: max(1, candidate.packetSize), identity: identity, description: description)
        scanner.description.catalogueEntry = candidate.entry.label
        let posLayout = reportDescriptor.flatMap(HIDPOSReportLayout.init(descriptor:))
        let usePOS: Bool
        switch candidate.entry.mode {
        case .pos: usePOS = true
        case .keyboard: usePOS = false
        case .auto: usePOS = posLayout != nil || (reportDescriptor == nil && candidate.entry.usagePage == 0x8C)
        }
        if usePOS {
            scanner.pos = HIDPOSDecoder(layout: posLayout ?? .honeywell)
            scanner.identity.source = .usbHIDPOS
        } else {
            scanner.keyboard = HIDKeyboardDecoder(configuration: candidate.entry.keyboard ?? configuration.keyboard)
            if candidate.subclass == 1 {
                // Boot protocol gives the fixed 8-byte report the decoder reads; no idle repeats. Failures are harmless.
                _ = libusb_control_transfer(handle, 0x21, 0x0A, 0, UInt16(candidate.interfaceNumber), nil, 0, 500)
                _ = libusb_control_transfer(handle, 0x21, 0x0B, 0, UInt16(candidate.interfaceNumber), nil, 0, 500)
            }
        }
        scanner.description.identity = scanner.identity
        scanners.append(scanner)
        logger.debug(
            "scanner claimed",
            metadata: [
                "scanner": "\(scanner.identity.key)", "endpoint": "\(candidate.endpoint)", "length": "\(scanner.packetSize)",
                "pos": "\(usePOS)",
            ])
        sink(.attached(scanner.description))
        submit(scanner)
    }

    /// The interface's HID report descriptor (GET_DESCRIPTOR 0x22 to the interface), when it has one and answers.
    private static func reportDescriptor(_ handle: OpaquePointer, _ candidate: Candidate) -> HIDReportDescriptor? {
        guard let length = candidate.reportDescriptorLength, length > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        let got = libusb_control_transfer(
            handle, 0x81, UInt8(LIBUSB_REQUEST_GET_DESCRIPTOR.rawValue), 0x2200, UInt16(candidate.interfaceNumber), &bytes,
            UInt16(length), 1000)
        return got > 0 ? try? HIDReportDescriptor(bytes: Array(bytes.prefix(Int(got)))) : nil
    }

    private func submit(_ scanner: OpenScanner) {
        guard !scanner.closing, !stopping.load(ordering: .acquiring) else {
            toClose.append(scanner)
            return
        }
        let rc = libusb_submit_transfer(scanner.transfer)
        if rc == 0 {
            scanner.transferActive = true
        } else {
            let unplugged = rc == LIBUSB_ERROR_NO_DEVICE.rawValue
            gone(scanner, reason: "\(unplugged ? "unplugged" : "transfer failing") (submit: \(Self.name(rc)))")
        }
    }

    /// The transfer callback, on the event thread inside `libusb_handle_events`.
    fileprivate func transferCompleted(_ scanner: OpenScanner) {
        scanner.transferActive = false
        let transfer = scanner.transfer.pointee
        if scanner.closing {
            toClose.append(scanner)
            return
        }
        switch transfer.status {
        case LIBUSB_TRANSFER_COMPLETED:
            scanner.consecutiveErrors = 0
            deliver(scanner, Array(UnsafeBufferPointer(start: transfer.buffer, count: Int(transfer.actual_length))))
            submit(scanner)
        case LIBUSB_TRANSFER_TIMED_OUT:
            submit(scanner)
        case LIBUSB_TRANSFER_NO_DEVICE:
            gone(scanner, reason: "unplugged (transfer: LIBUSB_ERROR_NO_DEVICE)")
        case LIBUSB_TRANSFER_CANCELLED:
            gone(scanner, reason: "transfer cancelled")
        default:
            scanner.consecutiveErrors += 1
            if scanner.consecutiveErrors >= 5 {
                gone(scanner, reason: "transfer failing (status \(transfer.status.rawValue))")
            } else {
                submit(scanner)
            }
        }
    }

    private func deliver(_ scanner: OpenScanner, _ report: [UInt8]) {
        let now = MonotonicInstant.now()
        if scanner.keyboard != nil {
            for code in scanner.keyboard!.feed(report, at: now) { sink(.code(scanner.identity, code, at: now)) }
        } else if scanner.pos != nil {
            if let code = scanner.pos!.feed(report) { sink(.code(scanner.identity, code, at: now)) }
            scanner.partialSince = scanner.pos!.partial.isEmpty ? nil : (scanner.partialSince ?? now)
        }
    }

    private func expireDeadlines(at now: MonotonicInstant) {
        for scanner in scanners where !scanner.closing {
            if let code = scanner.keyboard?.expire(at: now) { sink(.code(scanner.identity, code, at: now)) }
            if let since = scanner.partialSince, now >= since.adding(milliseconds: configuration.continuationTimeoutMilliseconds) {
                scanner.partialSince = nil
                if let partial = scanner.pos?.dropPartial() {
                    sink(.partialDropped(scanner.identity, bytes: partial, reason: "continuation report did not come"))
                }
            }
        }
    }

    /// The scanner is unplugged or unusable: report it (with any code in progress) and close it once its transfer
    /// is back.
    private func gone(_ scanner: OpenScanner, reason: String) {
        guard !scanner.closing else { return }
        scanner.closing = true
        sink(.gone(scanner.identity, reason: reason, partial: scanner.dropPartial()))
        if !scanner.transferActive || libusb_cancel_transfer(scanner.transfer) != 0 {
            toClose.append(scanner)
        }
    }

    private func closeFinished() {
        for scanner in toClose where !scanner.transferActive {
            scanner.close()
            scanners.removeAll { $0 === scanner }
        }
        toClose.removeAll { !$0.transferActive }
    }

    private func shutDown(_ context: OpaquePointer) {
        for scanner in scanners where !scanner.closing {
            scanner.closing = true
            if let partial = scanner.dropPartial() {
                sink(.partialDropped(scanner.identity, bytes: partial, reason: "scanner monitor stopped"))
            }
            if !scanner.transferActive || libusb_cancel_transfer(scanner.transfer) != 0 { toClose.append(scanner) }
        }
        // Wait (bounded) for the cancelled transfers to come back before freeing them.
        let deadline = MonotonicInstant.now().adding(milliseconds: 2000)
        while scanners.contains(where: { $0.transferActive }) && MonotonicInstant.now() < deadline {
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            libusb_handle_events_timeout_completed(context, &timeout, nil)
        }
        toClose = scanners
        closeFinished()
        libusb_hotplug_deregister_callback(context, hotplugHandle)
        for (_, device) in pending { libusb_unref_device(device) }
        pending = []
        for retry in retries { libusb_unref_device(retry.device) }
        retries = []
        interruptible.withLock { $0 = 0 }
        if scanners.isEmpty {
            libusb_exit(context)
        } else {
            logger.error("transfers did not come back after cancellation; leaving the libusb context open")
        }
    }

    // MARK: - Helpers

    static func name(_ code: Int32) -> String { String(cString: libusb_error_name(code)) }

    /// `bus-port.port…` as the kernel names USB devices (`1-1.2`).
    static func portPath(_ device: OpaquePointer) -> String {
        var ports = [UInt8](repeating: 0, count: 8)
        let count = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        let bus = libusb_get_bus_number(device)
        guard count > 0 else { return "\(bus)-0" }
        return "\(bus)-" + ports.prefix(Int(count)).map(String.init).joined(separator: ".")
    }

    static func string(_ handle: OpaquePointer, _ index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
    }
}

/// A claimed scanner interface with its one interrupt IN transfer. Event thread only.
private final class OpenScanner {
    unowned let source: USBScannerSource
    let device: OpaquePointer
    let handle: OpaquePointer
    let interfaceNumber: Int32
    let packetSize: Int
    let buffer: UnsafeMutablePointer<UInt8>
    let transfer: UnsafeMutablePointer<libusb_transfer>
    var identity: ScannerIdentity
    var description: ScannerDescription
    var keyboard: HIDKeyboardDecoder?
    var pos: HIDPOSDecoder?
    /// When a continued HID POS code started waiting for its next report.
    var partialSince: MonotonicInstant?
    var transferActive = false
    var closing = false
    var consecutiveErrors = 0
    private var closed = false

    init(
        source: USBScannerSource, device: OpaquePointer, handle: OpaquePointer, interfaceNumber: Int32, endpoint: UInt8, packetSize: Int,
        identity: ScannerIdentity, description: ScannerDescription
    ) {
        self.source = source
        self.device = device
        self.handle = handle
        self.interfaceNumber = interfaceNumber
        self.packetSize = packetSize
        self.identity = identity
        self.description = description
        buffer = .allocate(capacity: packetSize)
        transfer = libusb_alloc_transfer(0)
        // Transfer length = wMaxPacketSize: one report per transfer, as the device sends them.
        libusb_fill_interrupt_transfer(
            transfer, handle, endpoint, buffer, Int32(packetSize),
            { transfer in
                guard let userData = transfer?.pointee.user_data else { return }
                let scanner = Unmanaged<OpenScanner>.fromOpaque(userData).takeUnretainedValue()
                scanner.source.transferCompleted(scanner)
            }, Unmanaged.passUnretained(self).toOpaque(), 0)
    }

    func deadline(continuation milliseconds: Int) -> MonotonicInstant? {
        guard !closing else { return nil }
        return [keyboard?.deadline, partialSince?.adding(milliseconds: milliseconds)].compactMap { $0 }.min()
    }

    func dropPartial() -> [UInt8]? {
        partialSince = nil
        return keyboard?.dropPartial() ?? pos?.dropPartial()
    }

    /// Frees the transfer and gives the interface back (auto-detach re-binds the kernel driver).
    func close() {
        guard !closed else { return }
        closed = true
        libusb_free_transfer(transfer)
        buffer.deallocate()
        libusb_release_interface(handle, interfaceNumber)
        libusb_close(handle)
        libusb_unref_device(device)
    }
}

public enum ScannerInputError: Error, CustomStringConvertible {
    case libusb(String)

    public var description: String {
        switch self {
        case .libusb(let message): "USB scanners unavailable: \(message)"
        }
    }
}
