internal import Crypto
import Foundation
internal import _CryptoExtras

/// Staff PINs as the configuration stores them: `pbkdf2-sha256$<rounds>$<salt>$<key>` (base64), never the PIN.
/// 210,000 rounds is the least swift-crypto accepts (OWASP's figure). A 4–8 digit PIN has little entropy, so the
/// hash only protects it from a casual read of the file; what stops guessing is the sign-in limit (`SessionStore`).
public enum PINHash {
    public static let defaultRounds = 210_000
    static let rounds = 210_000...10_000_000

    public static func make(pin: String, rounds: Int = defaultRounds) throws -> String {
        let salt = Secrets.randomBytes(16)
        let key = try derive(pin: pin, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// True when `pin` matches `stored`; a malformed `stored` matches nothing.
    public static func verify(pin: String, stored: String) -> Bool {
        guard let hash = parse(stored), let key = try? derive(pin: pin, salt: hash.salt, rounds: hash.rounds) else { return false }
        return Secrets.equal(key, hash.key)
    }

    /// True when `stored` has the shape `make` writes (checked when the configuration is read).
    public static func isWellFormed(_ stored: String) -> Bool { parse(stored) != nil }

    private static func parse(_ stored: String) -> (rounds: Int, salt: [UInt8], key: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), Self.rounds.contains(rounds),
            let salt = Data(base64Encoded: String(parts[2])), let key = Data(base64Encoded: String(parts[3])), key.count == 32
        else { return nil }
        return (rounds, Array(salt), Array(key))
    }

    private static func derive(pin: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(pin.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}
