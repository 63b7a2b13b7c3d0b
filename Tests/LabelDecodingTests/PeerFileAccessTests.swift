import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import LabelDecoding

/// Issue 14, fault 8: a path is read for a peer only if the peer could read it itself. Files made here by root
/// (the tests run as root), read for uid 65534 (nobody).
@Suite("Peer file access", .cpuBound, .enabled(if: getuid() == 0, "needs root to own files another user cannot read"))
struct PeerFileAccessTests {
    static let nobody = FileRequester(uid: 65534, gid: 65534, groups: [])
    let decoder = LabelDecoder()

    /// A folder tree under a fresh temporary directory (mode 0755), removed afterwards by the caller.
    func makeTree() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("peer-access-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        chmod(root, 0o755)
        let photo = Fixture.path("labels/label_0033.jpg")
        for (name, mode) in [("open.jpg", 0o644), ("secret.jpg", 0o600), ("group.jpg", 0o640)] {
            try FileManager.default.copyItem(atPath: photo, toPath: "\(root)/\(name)")
            chmod("\(root)/\(name)", mode_t(mode))
        }
        chown("\(root)/group.jpg", 0, 4242)
        try FileManager.default.createDirectory(atPath: "\(root)/private", withIntermediateDirectories: true)
        chmod("\(root)/private", 0o700)
        try FileManager.default.copyItem(atPath: photo, toPath: "\(root)/private/inside.jpg")
        chmod("\(root)/private/inside.jpg", 0o644)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/link-to-secret.jpg", withDestinationPath: "\(root)/secret.jpg")
        try FileManager.default.createSymbolicLink(atPath: "\(root)/link-to-open.jpg", withDestinationPath: "open.jpg")
        try FileManager.default.createSymbolicLink(atPath: "\(root)/alias", withDestinationPath: root)
        return root
    }

    func outcome(_ path: String, _ requester: FileRequester = nobody) -> String {
        do {
            return try decoder.decode(path: path, for: requester).waybill?.number ?? "no waybill"
        } catch {
            return error.code
        }
    }

    @Test func whatThePeerMayReadIsReadAndNothingElse() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(outcome("\(root)/open.jpg") == "YT0629322539683")
        // Root-only (0600), as in the report.
        #expect(outcome("\(root)/secret.jpg") == "image.accessDenied")
        // Readable, but in a folder the peer may not search.
        #expect(outcome("\(root)/private/inside.jpg") == "image.accessDenied")
        // Nothing is looked up there: a missing name is denied too, not reported missing.
        #expect(outcome("\(root)/private/missing.jpg") == "image.accessDenied")
        // The last component is never followed, whatever it points at.
        #expect(outcome("\(root)/link-to-secret.jpg") == "image.accessDenied")
        #expect(outcome("\(root)/link-to-open.jpg") == "image.accessDenied")
        // Links in the folders are followed, and checked like the path they name.
        #expect(outcome("\(root)/alias/open.jpg") == "YT0629322539683")
        #expect(outcome("\(root)/alias/secret.jpg") == "image.accessDenied")
        #expect(outcome("\(root)/private/../open.jpg") == "image.accessDenied")
        #expect(outcome("\(root)/alias/../\((root as NSString).lastPathComponent)/open.jpg") == "YT0629322539683")
        // Group read: the owning group in the peer's supplementary groups, not otherwise.
        #expect(outcome("\(root)/group.jpg") == "image.accessDenied")
        #expect(outcome("\(root)/group.jpg", FileRequester(uid: 65534, gid: 65534, groups: [4242])) == "YT0629322539683")
        #expect(outcome("\(root)/missing.jpg") == "image.unreadable")
        #expect(outcome(root) == "image.unreadable")
        // Root, and the daemon's own reads (no requester), read everything.
        #expect(outcome("\(root)/secret.jpg", FileRequester(uid: 0, gid: 0, groups: [])) == "YT0629322539683")
        #expect(try decoder.decode(path: "\(root)/private/inside.jpg").waybill?.number == "YT0629322539683")
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        mkfifo("\(root)/pipe.jpg", 0o666)
        #expect(outcome("\(root)/pipe.jpg") == "image.unreadable")
        #expect(throws: ImageRejection.self) { try decoder.decode(path: "\(root)/pipe.jpg") }
    }

    @Test func groupsComeFromTheProcessAndOnlyWhileItRunsAsThePeer() {
        let me = FileRequester.peer(pid: getpid(), uid: getuid(), gid: getgid())
        var count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 1)))
        count = getgroups(count, &groups)
        #expect(Set(me.groups) == Set(groups.prefix(Int(max(count, 0)))))
        // Another uid than the process's: no supplementary groups at all.
        #expect(FileRequester.peer(pid: getpid(), uid: 65534, gid: 65534).groups.isEmpty)
        #expect(FileRequester.peer(pid: 999_999_999, uid: 0, gid: 0).groups.isEmpty)
    }

    @Test func posixACLsAreCheckedInTheKernelsOrder() throws {
        // user::rw- user:65534:--- group::r-- group:4242:r-- mask::r-- other::r--
        func entry(_ tag: UInt16, _ permissions: UInt16, _ id: UInt32) -> [UInt8] {
            [UInt8(tag & 0xFF), UInt8(tag >> 8), UInt8(permissions & 0xFF), UInt8(permissions >> 8)]
                + [UInt8(id & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id >> 16 & 0xFF), UInt8(id >> 24)]
        }
        let none = UInt32.max
        let bytes: [UInt8] =
            [2, 0, 0, 0] + entry(1, 6, none) + entry(2, 0, 65534) + entry(2, 4, 1000) + entry(4, 0, none) + entry(8, 4, 4242)
            + entry(0x10, 4, none) + entry(0x20, 4, none)
        let acl = try #require(AccessACL(bytes))
        func may(_ uid: UInt32, _ groups: [UInt32] = []) -> Bool {
            acl.permits(FileRequester(uid: uid, gid: 9999, groups: groups), owner: 0, group: 100, want: 4)
        }
        #expect(!may(65534))  // named user without read, although other may
        #expect(may(1000))
        #expect(!may(2000, [100]))  // the owning group's entry has no read: other does not apply
        #expect(may(2000, [100, 4242]))  // any matching group entry that grants
        #expect(may(2000))  // other
        #expect(AccessACL([1, 0, 0, 0]) == nil)
    }
}
