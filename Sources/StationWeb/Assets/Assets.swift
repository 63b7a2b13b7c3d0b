import Foundation

/// The embedded stylesheet and script, served under a content hash so a browser may cache them for good and
/// still picks up a new console at once.
enum Assets {
    static let styleBytes = Array(ConsoleStyle.css.utf8)
    static let scriptBytes = Array(ConsoleScript.js.utf8)
    static let stylePath = "/assets/console-\(digest(styleBytes)).css"
    static let scriptPath = "/assets/console-\(digest(scriptBytes)).js"

    private static func digest(_ bytes: [UInt8]) -> String {
        String(Secrets.sha256(bytes).prefix(12))
    }
}
