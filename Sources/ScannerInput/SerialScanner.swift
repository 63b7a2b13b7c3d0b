public import Foundation

/// Splits a serial scanner's byte stream into codes by terminator or inter-character timeout. Pure.
public struct SerialFramer: Sendable {
    public let configuration: SerialScannerConfiguration
    private var buffer: [UInt8] = []
    private var tooLong = false
    private var skipLF = false
    private var lastByteAt: MonotonicInstant?

    public init(configuration: SerialScannerConfiguration) { self.configuration = configuration }

    public var partial: [UInt8] { buffer }

    public var deadline: MonotonicInstant? {
        guard let timeout = configuration.interCharacterTimeoutMilliseconds, let lastByteAt, !buffer.isEmpty || tooLong else { return nil }
        return lastByteAt.adding(milliseconds: timeout)
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>, at now: MonotonicInstant) -> [DecodedCode] {
        var codes: [DecodedCode] = []
        if let expired = expire(at: now) { codes.append(expired) }
        let cr: UInt8 = 0x0D
        let lf: UInt8 = 0x0A
        for byte in bytes {
            switch configuration.terminator {
            case .cr:
                if byte == cr {
                    if let code = complete(.terminator) { codes.append(code) }
                    skipLF = true
                    continue
                }
                if byte == lf && skipLF {
                    skipLF = false
                    continue
                }
                skipLF = false
            case .lf, .crlf:
                if byte == lf {
                    if configuration.terminator == .crlf && buffer.last == cr { buffer.removeLast() }
                    if let code = complete(.terminator) { codes.append(code) }
                    continue
                }
            case .none: break
            }
            lastByteAt = now
            if buffer.count >= configuration.maximumLength { tooLong = true } else if !tooLong { buffer.append(byte) }
        }
        return codes
    }

    public mutating func expire(at now: MonotonicInstant) -> DecodedCode? {
        guard let deadline, now > deadline else { return nil }
        return complete(.timeout)
    }

    public mutating func dropPartial() -> [UInt8]? {
        defer {
            buffer = []
            tooLong = false
            lastByteAt = nil
        }
        return buffer.isEmpty && !tooLong ? nil : buffer
    }

    private mutating func complete(_ completion: DecodedCode.Completion) -> DecodedCode? {
        defer {
            buffer = []
            tooLong = false
            lastByteAt = nil
        }
        guard !buffer.isEmpty || tooLong else { return nil }
        var code = DecodedCode(bytes: buffer, completion: completion)
        if tooLong { code.rejection = "longer than \(configuration.maximumLength) bytes" }
        if configuration.stripAIMPrefix { code.stripAIMPrefix() }
        return code
    }
}

/// A tty in raw mode (termios), for CDC-ACM scanners.
public enum SerialPort {
    /// The termios speed constant for a baud rate.
    public static func speed(for baudRate: Int) -> speed_t? {
        let table: [Int: speed_t] = [
            1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600), 19200: speed_t(B19200),
            38400: speed_t(B38400), 57600: speed_t(B57600), 115_200: speed_t(B115200), 230_400: speed_t(B230400),
            460_800: speed_t(B460800), 921_600: speed_t(B921600),
        ]
        return table[baudRate]
    }

    /// Opens `path` read-only, raw, at `baudRate`, 8N1 with no flow control; returns the descriptor.
    public static func open(path: String, baudRate: Int) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw SerialPortError.open(path: path, errno: errno) }
        var options = termios()
        guard tcgetattr(fd, &options) == 0 else {
            let error = errno
            close(fd)
            throw SerialPortError.configure(path: path, errno: error)
        }
        cfmakeraw(&options)
        options.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        options.c_cflag &= ~(tcflag_t(CRTSCTS) | tcflag_t(CSTOPB) | tcflag_t(PARENB))
        if let speed = speed(for: baudRate) {
            cfsetispeed(&options, speed)
            cfsetospeed(&options, speed)
        }
        // VMIN 1 / VTIME 0: a read returns as soon as a byte is there; the timeout is the poll's.
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &options) == 0 else {
            let error = errno
            close(fd)
            throw SerialPortError.configure(path: path, errno: error)
        }
        // No TCIFLUSH: nothing is read from a CDC-ACM device while its tty is closed, and a flush could drop a code
        // scanned just as the port opens.
        return fd
    }
}

public enum SerialPortError: Error, CustomStringConvertible {
    case open(path: String, errno: Int32)
    case configure(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .open(let path, let error): "cannot open \(path): \(String(cString: strerror(error)))"
        case .configure(let path, let error): "cannot set \(path) to raw mode: \(String(cString: strerror(error)))"
        }
    }
}

/// Finds ttys of USB serial scanners in sysfs: `/sys/class/tty/ttyACM*` (and `ttyUSB*`) resolve into the device
/// tree, whose USB device folder above holds `idVendor`, `idProduct` and `serial`.
public enum SysfsTTY {
    public struct Found: Equatable, Sendable {
        public var node: String
        public var identity: ScannerIdentity
    }

    public static func find(_ pattern: USBIDPattern?, sysfsRoot: String = "/sys", devRoot: String = "/dev") -> [Found] {
        let classDirectory = "\(sysfsRoot)/class/tty"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: classDirectory)) ?? [])
            .filter { $0.hasPrefix("ttyACM") || $0.hasPrefix("ttyUSB") }.sorted()
        return names.compactMap { name -> Found? in
            guard var identity = usbIdentity(ofTTY: "\(classDirectory)/\(name)") else { return nil }
            if let pattern {
                guard identity.vendorID == pattern.vendorID, pattern.productID.map({ $0 == identity.productID }) ?? true else { return nil }
            }
            identity.deviceNode = "\(devRoot)/\(name)"
            return Found(node: "\(devRoot)/\(name)", identity: identity)
        }
    }

    /// The USB identity above a tty's sysfs folder, if it sits on USB.
    public static func usbIdentity(ofTTY classPath: String) -> ScannerIdentity? {
        guard let resolved = realpath(classPath, nil) else { return nil }
        var url = URL(fileURLWithPath: String(cString: resolved))
        free(resolved)
        for _ in 0..<5 {
            url.deleteLastPathComponent()
            let vendorFile = url.appendingPathComponent("idVendor").path
            guard let vendor = read(vendorFile).flatMap({ UInt16($0, radix: 16) }) else { continue }
            let product = read(url.appendingPathComponent("idProduct").path).flatMap { UInt16($0, radix: 16) }
            return ScannerIdentity(
                source: .serial, vendorID: vendor, productID: product, serialNumber: read(url.appendingPathComponent("serial").path),
                portPath: url.lastPathComponent)
        }
        return nil
    }

    static func read(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
