internal import Crypto
import Foundation
internal import _CryptoExtras

/// Staff PINs as the configuration stores them: `pbkdf2-sha256$<rounds>$<salt>$<key>` (base64), never the PIN.
/// 210,000 rounds is the least swift-crypto accepts (OWASP's figure). A 4–8 digit PIN has little entropy, so the hash only protects it from a casual read of the file; what stops
/// guessing is the sign-in limit (`SignInLimiter`).
public enum PINHash {
    public static let defaultRounds = 210_000

    public static func make(pin: String, rounds: Int = defaultRounds) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
        let key = try derive(pin: pin, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// True when `pin` matches `stored`; a malformed `stored` matches nothing.
    public static func verify(pin: String, stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), (210_000...10_000_000).contains(rounds),
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])), expected.count == 32,
            let key = try? derive(pin: pin, salt: Array(salt), rounds: rounds)
        else { return false }
        // Compare every byte, so the time taken says nothing about where a guess went wrong.
        return zip(key, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// True when `stored` has the shape `make` writes (checked when the configuration is read).
    public static func isWellFormed(_ stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "pbkdf2-sha256" && Int(parts[1]).map { (210_000...10_000_000).contains($0) } == true
            && Data(base64Encoded: String(parts[2])) != nil && Data(base64Encoded: String(parts[3]))?.count == 32
    }

    private static func derive(pin: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(pin.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}
