import Crypto
import Foundation
import ParcelDomain

/// Salted hashing of full phone numbers: the ledger can check a number a recipient gives without keeping it.
///
/// HMAC-SHA256 keyed by a per-station random salt, so hashes from two stations cannot be joined and the
/// 10^8 space of numbers behind a known tail cannot be brute-forced from a stolen database alone without the
/// salt (which lives in the same file, so this protects exports and logs, not a stolen disk).
struct PhoneHasher: Sendable {
    /// The salt's bytes; a `SymmetricKey` is built per hash because it is not `Sendable`.
    let salt: Data

    static let metaKey = "phone_salt"

    func hash(_ phone: PhoneNumber) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(phone.digits.utf8), using: SymmetricKey(data: salt)))
    }

    static func randomSalt() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }
}
