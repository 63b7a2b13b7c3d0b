import Foundation
import Glibc

/// Space on the file system holding a folder: what `Station.Status` shows for the ledger's, so staff see a disk
/// filling up before writes start failing.
public struct DiskSpace: Sendable, Equatable {
    public let path: String
    /// Bytes an unprivileged process may still write (`f_bavail`), which is what the daemon's account gets.
    public let freeBytes: Int64
    public let totalBytes: Int64

    /// `statvfs` of `folder`; nil when it cannot be read.
    public static func of(folder: String) -> DiskSpace? {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return nil }
        let unit = Int64(info.f_frsize)
        return DiskSpace(path: folder, freeBytes: Int64(info.f_bavail) * unit, totalBytes: Int64(info.f_blocks) * unit)
    }
}
