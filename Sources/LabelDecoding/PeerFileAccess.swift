import Foundation

/// The user a file is read for: a socket peer, as the kernel reported it (`SO_PEERCRED`). The daemon often
/// runs as root, so opening a path a peer names must not read what that peer could not read itself.
public struct FileRequester: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups.
    public var groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// The peer process `pid` that connected as `uid`/`gid`, with its supplementary groups from
    /// `/proc/PID/status` (the process's own, as the kernel checks them; the group database may differ). When
    /// that process is gone or no longer runs as `uid`, only the primary group counts: never more than it had.
    public static func peer(pid: Int32, uid: UInt32, gid: UInt32) -> FileRequester {
        var requester = FileRequester(uid: uid, gid: gid, groups: [])
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return requester }
        func field(_ name: String) -> [UInt32] {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return [] }
            return line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        // Uid: real, effective, saved, filesystem. The filesystem ids are the ones permission checks use.
        let uids = field("Uid")
        let gids = field("Gid")
        guard uids.count == 4, uids[3] == uid, gids.count == 4, gids[3] == gid else { return requester }
        requester.groups = field("Groups")
        return requester
    }

    func inGroup(_ group: UInt32) -> Bool { group == gid || groups.contains(group) }
}

/// Opens a file for a requester the way the kernel would let them: walking the path one component at a time
/// from `/`, each directory checked for search permission (mode bits and POSIX ACL) on the descriptor that is
/// then used to look up the next name, symbolic links in the directories resolved by hand and the last one not
/// followed (`O_NOFOLLOW`), the file's read permission checked on the opened descriptor. Nothing is looked up
/// in a directory the requester may not search, so errors reveal no more than the requester could learn.
enum PeerFileAccess {
    /// Why a path was refused; the loader turns each into a `ImageRejection`.
    enum Refusal: Error {
        case denied(String)
        case failed(Int32)
    }

    static let maxSymlinks = 40
    /// Linux's O_PATH (a descriptor that only names a file: fstat, *at lookups), which Glibc's Swift module
    /// leaves out.
    static let O_PATH: Int32 = 0o10000000

    /// A read-only descriptor of the regular file at `path`, opened for `requester`.
    static func open(_ path: String, for requester: FileRequester) throws(Refusal) -> Int32 {
        guard path.hasPrefix("/") else { throw .failed(ENOENT) }
        var pending = Array(path.split(separator: "/").map(String.init).reversed())
        var directories: [Int32] = []
        defer { for fd in directories { close(fd) } }
        func openRoot() throws(Refusal) {
            let root = Glibc.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)
            guard root >= 0 else { throw .failed(errno) }
            directories.append(root)
        }
        try openRoot()
        var symlinks = 0
        var shown = ""
        while let name = pending.popLast() {
            if name.isEmpty { continue }
            let current = directories[directories.count - 1]
            // Every lookup, "." and ".." included, needs search permission on the folder it is made in.
            guard try permits(current, for: requester, want: 1) else {
                throw .denied("uid \(requester.uid) may not search \(shown.isEmpty ? "/" : shown)")
            }
            if name == "." { continue }
            if name == ".." {
                if directories.count > 1 { close(directories.removeLast()) }
                shown = (shown as NSString).deletingLastPathComponent
                continue
            }
            var info = stat()
            guard fstatat(current, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw .failed(errno) }
            let isLast = pending.isEmpty
            if (info.st_mode & S_IFMT) == S_IFLNK {
                // The last component is never followed: a link there could name anything its maker chose.
                guard !isLast else { throw .denied("\(path) is a symbolic link; name the file itself") }
                symlinks += 1
                guard symlinks <= maxSymlinks else { throw .failed(ELOOP) }
                var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlinkat(current, name, &target, Int(PATH_MAX))
                guard length > 0 else { throw .failed(errno) }
                let text = String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if text.hasPrefix("/") {
                    for fd in directories { close(fd) }
                    directories = []
                    shown = ""
                    try openRoot()
                }
                pending.append(contentsOf: text.split(separator: "/").map(String.init).reversed())
                continue
            }
            shown += "/" + name
            if isLast {
                guard (info.st_mode & S_IFMT) == S_IFREG else { throw .failed(EISDIR) }
                // O_NONBLOCK: should a FIFO be swapped in after the check, open must not wait for a writer.
                let fd = openat(current, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
                guard fd >= 0 else { throw .failed(errno) }
                var opened = stat()
                let failure: Refusal?
                if fstat(fd, &opened) != 0 {
                    failure = .failed(errno)
                } else if (opened.st_mode & S_IFMT) != S_IFREG {
                    failure = .failed(EISDIR)
                } else {
                    do {
                        failure = try permits(fd, for: requester, want: 4) ? nil : .denied("uid \(requester.uid) may not read \(path)")
                    } catch {
                        failure = error
                    }
                }
                if let failure {
                    close(fd)
                    throw failure
                }
                return fd
            }
            let next = openat(current, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw .failed(errno) }
            directories.append(next)
        }
        throw .failed(EISDIR)  // the path named a directory ("/", or ending in "..")
    }

    private typealias GetXattr = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int
    /// getxattr(2) from libc (sys/xattr.h is not in Glibc's Swift module).
    private nonisolated(unsafe) static let getxattr: GetXattr? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "getxattr").map {
        unsafeBitCast($0, to: GetXattr.self)
    }

    /// Whether `requester` has the `want` permission bit (4 read, 1 search) on the file `fd` refers to.
    static func permits(_ fd: Int32, for requester: FileRequester, want: mode_t) throws(Refusal) -> Bool {
        if requester.uid == 0 { return true }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .failed(errno) }
        if let acl = accessACL(fd) { return acl.permits(requester, owner: info.st_uid, group: info.st_gid, want: UInt16(want)) }
        let mode = info.st_mode
        if info.st_uid == requester.uid { return mode & (want << 6) != 0 }
        if requester.inGroup(info.st_gid) { return mode & (want << 3) != 0 }
        return mode & want != 0
    }

    /// The file's POSIX access ACL (`system.posix_acl_access`), read through /proc so it works on O_PATH
    /// descriptors too; nil when it has none beyond its mode bits.
    static func accessACL(_ fd: Int32) -> AccessACL? {
        guard let getxattr else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let length = buffer.withUnsafeMutableBytes { getxattr("/proc/self/fd/\(fd)", "system.posix_acl_access", $0.baseAddress, $0.count) }
        guard length > 4 else { return nil }
        return AccessACL(Array(buffer.prefix(length)))
    }
}

/// A POSIX.1e access ACL as Linux stores it: a version (2), then entries of tag, permission bits and id, all
/// little-endian. Checked in the kernel's order: owner, named user (masked), owning and named groups (masked;
/// any matching entry that grants), other.
struct AccessACL {
    struct Entry {
        let tag: UInt16
        let permissions: UInt16
        let id: UInt32
    }
    let entries: [Entry]

    static let userObj: UInt16 = 0x01, user: UInt16 = 0x02, groupObj: UInt16 = 0x04, group: UInt16 = 0x08, mask: UInt16 = 0x10,
        other: UInt16 = 0x20

    init?(_ bytes: [UInt8]) {
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        guard bytes.count >= 4, u32(0) == 2, (bytes.count - 4) % 8 == 0 else { return nil }
        entries = stride(from: 4, to: bytes.count, by: 8).map { Entry(tag: u16($0), permissions: u16($0 + 2), id: u32($0 + 4)) }
    }

    func permits(_ requester: FileRequester, owner: UInt32, group: UInt32, want: UInt16) -> Bool {
        let mask = entries.first { $0.tag == Self.mask }?.permissions ?? 7
        if owner == requester.uid { return (entries.first { $0.tag == Self.userObj }?.permissions ?? 0) & want != 0 }
        if let named = entries.first(where: { $0.tag == Self.user && $0.id == requester.uid }) {
            return named.permissions & mask & want != 0
        }
        var matched = false
        for entry in entries {
            let applies =
                (entry.tag == Self.groupObj && requester.inGroup(group)) || (entry.tag == Self.group && requester.inGroup(entry.id))
            guard applies else { continue }
            matched = true
            if entry.permissions & mask & want != 0 { return true }
        }
        if matched { return false }
        return (entries.first { $0.tag == Self.other }?.permissions ?? 0) & want != 0
    }
}
