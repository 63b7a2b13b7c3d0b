import ArgumentParser
import Foundation
import StationProtocol

/// `parcelctl sync`: is the county getting this station's records?
struct SyncStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "County sync status: what the county has confirmed, what is waiting, the last error.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        guard let status = try global.call(Method.syncStatus, NoParams(), as: SyncStatusResult.self) else { return }
        let state = [
            "uploading": "上传中 uploading", "idle": "已同步 up to date", "waiting": "等待重试 waiting to retry", "starting": "启动中 starting",
            "off": "未配置 not configured",
        ]
        var rows: [[String]] = [
            ["状态 state", state[status.state] ?? status.state],
            ["县级数据库 county", status.target ?? "-"],
            ["已确认 confirmed", String(status.acknowledged)],
            ["待上传 pending", String(status.pending)],
        ]
        if status.pending > 0 { rows.append(["最早待传 oldest pending", Display.time(status.oldestPendingAt)]) }
        rows.append(["上次上传 last upload", Display.time(status.lastUploadAt)])
        if let error = status.lastError {
            // A sentence only: what PostgreSQL said is in the daemon's log (journalctl -u parcel-stationd).
            rows.append(["上次错误 last error", "\(error) (\(Display.time(status.lastErrorAt))); 详情见守护进程日志 details in the daemon's log"])
        }
        if status.state == "waiting" { rows.append(["下次尝试 next try", Display.time(status.nextAttemptAt)]) }
        if let on = status.waitingOn {
            let waits = [
                "connecting": "连接中 connecting", "query": "等待县级回复 county reply", "poll": "空闲检查间隔 idle poll",
                "backoff": "失败后等待 backoff",
            ]
            // A connect or a statement past its deadline is the link lost: saying until when tells a stall apart.
            let until = on == "connecting" || on == "query" ? "最迟 deadline" : "至 until"
            rows.append([
                "正在等待 waiting on",
                "\(waits[on] ?? on) (\(Display.time(status.waitingSince)) → \(until) \(Display.time(status.waitingUntil)))",
            ])
        }
        rows.append(["本次启动已上传 uploaded since start", String(status.uploaded)])
        print(Display.table(header: ["", ""], rows: rows))
    }
}
