import Foundation
import Hummingbird
import StationProtocol

/// 状态: the daemon, its ledger and backups, the county link and the scanners, in one page that refreshes
/// itself when the daemon comes back or a scanner comes and goes.
struct StatusRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/status") { _, context in
            let fragment = await live()
            let pairing: HTML =
                console.configuration.allowLAN == true && context.isLoopback
                ? """
                <form method="post" action="/pair/new" class="noprint">\(Layout.csrfField(context.session!))
                <button type="submit">配对新设备（平板、第二块屏幕）</button> 已配对 \(await console.pairing.count) 台</form>
                """ : ""
            return await console.page(
                "状态", .status, context,
                """
                <h1>状态</h1>\(pairing)
                <div id="live" data-refresh-url="/status/live" data-refresh-on="scanner.attached scanner.detached">\(fragment)</div>
                """)
        }
        router.get("/status/live") { _, _ in Responses.page(await live()) }
    }

    func live() async -> HTML {
        async let status = console.call(Method.status, NoParams())
        async let sync = console.call(Method.syncStatus, NoParams())
        async let scanners = console.call(Method.scanners, NoParams())
        let daemonUp = await console.events.daemonUp
        guard case .success(let station) = await status else {
            return """
                <div class="notice refused">站点服务（parcel-stationd）未运行或无法连接。
                恢复后此页会自动更新。控制台本身在运行（\(daemonUp ? "事件连接正常" : "正在重连")）。</div>
                """
        }
        let counts = station.parcels.sorted { $0.key < $1.key }.map {
            HTML("<tr><td>\(Wording.state($0.key))</td><td class=\"num\">\($0.value)</td></tr>")
        }
        let backup: HTML =
            if let backup = station.backup, backup.configured {
                "备份：\(backup.lastOk.map { "最近成功 \(Dates.local($0.takenAt))" } ?? "尚无成功的备份")"
            } else { "备份：未配置" }
        return """
            <div class="row">
            <section class="grow"><h2>站点服务</h2>
            <table><tbody>
            <tr><th>站点</th><td>\(station.station.name)（\(station.station.id)）</td></tr>
            <tr><th>启动于</th><td>\(Dates.local(station.startedAt))</td></tr>
            <tr><th>在站包裹</th><td class="num">\(station.active)</td></tr>
            <tr><th>滞留</th><td class="num">\(station.overdue)</td></tr>
            <tr><th>账本</th><td>\(station.database) · \(String(station.events)) 条记录</td></tr>
            <tr><th>备份</th><td>\(backup)</td></tr>
            <tr><th>磁盘</th><td>\(Self.disk(station.disk))</td></tr>
            </tbody></table>
            <h3>按状态</h3><table><tbody>\(counts)</tbody></table></section>
            <section class="grow"><h2>县级同步</h2>\(Self.sync(try? await sync.get()))
            <h2>扫描枪</h2>\(Self.scanners((try? await scanners.get())?.scanners ?? []))</section>
            </div>
            """
    }

    /// Free space on the ledger's disk; under 1 GiB (or 5 %) it is a warning in words: a full disk stops intake.
    static func disk(_ disk: DiskDTO?) -> HTML {
        guard let disk, disk.totalBytes > 0 else { return "未知" }
        let gib = 1_073_741_824.0
        let free = String(format: "%.1f", Double(disk.freeBytes) / gib)
        let total = String(format: "%.1f", Double(disk.totalBytes) / gib)
        let low = disk.freeBytes < 1 << 30 || Double(disk.freeBytes) / Double(disk.totalBytes) < 0.05
        let words = "可用 \(free) GB / 共 \(total) GB"
        return low ? "<span class=\"notice refused\">\(words)：空间不足，磁盘满了将无法入库，请清理</span>" : "\(words)"
    }

    static func sync(_ sync: SyncStatusResult?) -> HTML {
        guard let sync else { return "<p>无法读取同步状态。</p>" }
        guard sync.configured else { return "<p>未配置县级同步（离线单站运行）。</p>" }
        let state: String =
            switch sync.state {
            case "idle": "正常（已全部上传）"
            case "uploading": "正在上传"
            case "waiting": "等待重试（连接县里失败）"
            case "starting": "正在启动"
            case "off": "已关闭"
            default: sync.state
            }
        return """
            <table><tbody>
            <tr><th>状态</th><td>\(state)</td></tr>
            <tr><th>待上传</th><td class="num">\(Int(sync.pending))</td></tr>
            <tr><th>最近上传</th><td>\(Dates.local(sync.lastUploadAt))</td></tr>
            \(sync.lastError.map { "<tr><th>最近错误</th><td>\($0)（\(Dates.local(sync.lastErrorAt))）</td></tr>" as HTML } ?? "")
            </tbody></table>
            """
    }

    static func scanners(_ scanners: [ScannerDTO]) -> HTML {
        guard !scanners.isEmpty else { return "<p>没有扫描枪。</p>" }
        let rows = scanners.map { scanner in
            HTML(
                """
                <tr><td>\(scanner.name ?? scanner.product ?? scanner.id)</td><td>\(Wording.role(scanner.role))</td><td>\(scanner.counter)</td>
                <td>\(scanner.attached ? "已连接" : "未连接")</td><td>\(Dates.local(scanner.lastSeen))</td><td class="num">\(scanner.scans)</td></tr>
                """)
        }
        return
            "<table><thead><tr><th>扫描枪</th><th>用途</th><th>柜台</th><th>连接</th><th>最近使用</th><th>扫描数</th></tr></thead><tbody>\(rows)</tbody></table>"
    }
}
