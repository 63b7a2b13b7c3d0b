#if canImport(Glibc)
    import Glibc
#endif

/// The peer of a socket connection as the kernel reports it (`SO_PEERCRED`); it cannot be forged by the client.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// Who may change records. Everyone who can reach the socket may read; writers are root, the daemon's own
/// user, and the users and groups the configuration names (USBGuard-style IPC access control).
public struct AccessPolicy: Sendable, Equatable {
    public var writerUIDs: Set<UInt32>
    public var writerGIDs: Set<UInt32>

    public init(writerUIDs: Set<UInt32> = [], writerGIDs: Set<UInt32> = []) {
        self.writerUIDs = writerUIDs
        self.writerGIDs = writerGIDs
    }

    /// Errors resolving the configuration's user and group names.
    public enum ResolveError: Error, Equatable, CustomStringConvertible {
        case unknownUser(String)
        case unknownGroup(String)

        public var description: String {
            switch self {
            case .unknownUser(let name): "access.writers.users: no user \"\(name)\" on this system"
            case .unknownGroup(let name): "access.writers.groups: no group \"\(name)\" on this system"
            }
        }
    }

    /// Builds a policy from names or numeric ids. The daemon's own user is always a writer.
    public static func resolve(users: [String], groups: [String]) throws -> AccessPolicy {
        var uids: Set<UInt32> = [geteuid()]
        var gids: Set<UInt32> = []
        for user in users {
            if let id = UInt32(user) { uids.insert(id); continue }
            guard let entry = getpwnam(user) else { throw ResolveError.unknownUser(user) }
            uids.insert(entry.pointee.pw_uid)
        }
        for group in groups {
            if let id = UInt32(group) { gids.insert(id); continue }
            guard let entry = getgrnam(group) else { throw ResolveError.unknownGroup(group) }
            gids.insert(entry.pointee.gr_gid)
        }
        return AccessPolicy(writerUIDs: uids, writerGIDs: gids)
    }

    /// Whether `peer` may call methods that change records.
    public func mayWrite(_ peer: PeerCredentials?) -> Bool {
        // Without credentials (not a Unix socket) nobody writes.
        guard let peer else { return false }
        if peer.uid == 0 || writerUIDs.contains(peer.uid) || writerGIDs.contains(peer.gid) { return true }
        guard !writerGIDs.isEmpty else { return false }
        return Self.supplementaryGroups(of: peer.uid, primary: peer.gid).contains(where: writerGIDs.contains)
    }

    /// The groups the user belongs to, from the system's group database.
    static func supplementaryGroups(of uid: UInt32, primary: UInt32) -> [UInt32] {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return [] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primary, &groups, &count) >= 0 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
