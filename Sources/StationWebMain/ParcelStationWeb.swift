import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import StationWeb

/// `parcel-station-web`: the station console, a web page at the counter that talks to `parcel-stationd` over its socket.
@main
struct ParcelStationWeb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parcel-station-web",
        abstract: "The station console: 入库, 取件, 交接, 报表 in a browser, over parcel-stationd's socket.",
        subcommands: [Serve.self, HashPIN.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the console (the default).")

    @Option(help: "The console configuration (staff and their PIN hashes, counter, listen address).")
    var config = "/etc/parcel-station/console.json"

    @Option(help: "parcel-stationd's socket; default $PARCEL_STATION_SOCKET, else /run/parcel-station/parcel-station.sock.")
    var socket: String?

    @Option(help: "host:port to serve, overriding the configuration (default 127.0.0.1:8080).")
    var listen: String?

    @Option(help: "Where paired LAN devices are kept (default $STATE_DIRECTORY, as systemd sets it; none: pairings last until exit).")
    var stateDir: String?

    @Flag(help: "Check the configuration and exit.")
    var checkConfig = false

    func run() async throws {
        var configuration: ConsoleConfiguration
        do {
            configuration = try ConsoleConfiguration.load(from: config)
            if let listen {
                configuration.listen = listen
                try configuration.validate()
            }
        } catch {
            FileHandle.standardError.write(Data("parcel-station-web: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG: systemd does not restart into the same mistake.
        }
        if checkConfig {
            print("configuration ok: \(configuration.staff.count) staff, serving \(try configuration.listenAddress.host)")
            return
        }
        let socketPath =
            socket ?? ProcessInfo.processInfo.environment["PARCEL_STATION_SOCKET"] ?? "/run/parcel-station/parcel-station.sock"
        var logger = Logger(label: "parcel-station-web")
        logger.logLevel = .info
        let state = stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]
        let console = Console(configuration: configuration, socketPath: socketPath, stateDirectory: state, logger: logger)
        let group = try ConsoleServer.serviceGroup(console: console, logger: logger) { address in
            // Unbuffered: a script (or a test) waiting for the address reads it at once.
            FileHandle.standardOutput.write(Data("parcel-station-web: serving \(address) (parcel-stationd at \(socketPath))\n".utf8))
        }
        try await group.run()
    }
}

struct HashPIN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-pin", abstract: "Read a PIN on standard input and print the hash to put in console.json's staff list.")

    func run() throws {
        guard let line = readLine(strippingNewline: true), (4...8).contains(line.count), line.allSatisfy({ $0.isASCII && $0.isNumber })
        else {
            FileHandle.standardError.write(Data("parcel-station-web: a PIN is 4 to 8 digits, on standard input\n".utf8))
            throw ExitCode(64)
        }
        print(try PINHash.make(pin: line))
    }
}
