public import StationClient
public import StationProtocol

/// The words the console shows: what staff call things (入库, 取件码, 尾号, 短少…), for results, states and errors.
/// An error code the console does not know (a newer daemon's) shows the daemon's own message, never nothing.
public enum Wording {
    /// A scan's result as one short heading.
    public static func scanResult(_ result: String) -> String {
        switch result {
        case "intake": "新入库"
        case "repeatIntake": "已在站"
        case "duplicate": "重复扫描"
        case "pickedUp": "已取件"
        case "verifyFirst": "请先核对取件人"
        case "notThisRecipient": "不是这位取件人的包裹"
        case "roleChanged": "扫描枪用途已更改"
        case "forceArmed": "强制入库：请扫描该包裹"
        case "rejected": "未入库"
        case "failed": "操作失败"
        case "ignored": "已忽略"
        case "noOpenHandoff": "没有进行中的交接"
        case "noOpenStocktake": "没有进行中的盘点"
        case "handoff": "交接已扫描"
        case "stocktake": "盘点已扫描"
        default: result
        }
    }

    /// The colour class of a result: `ok` (green), `repeat` (amber), `refused` (red), `info` (blue).
    public static func scanTone(_ result: String) -> String {
        switch result {
        case "intake", "pickedUp", "handoff", "stocktake": "ok"
        case "repeatIntake", "duplicate", "ignored", "roleChanged", "forceArmed": "repeat"
        case "verifyFirst": "info"
        default: "refused"
        }
    }

    public static func state(_ state: String) -> String {
        switch state {
        case "received": "已收到"
        case "shelved": "已上架"
        case "notified": "已通知"
        case "pickedUp": "已取件"
        case "returnRequested": "待退回"
        case "returned": "已退回"
        case "exception": "问题件"
        case "voided": "已撤销"
        case "writtenOff": "已核销"
        case "inTransit": "中转中"
        case "forwarded": "已转发"
        default: state
        }
    }

    public static func role(_ role: String) -> String {
        switch role {
        case "intake": "入库"
        case "pickup": "取件"
        case "handoff": "交接"
        case "stocktake": "盘点"
        case "returns", "return": "退回"
        case "outgoing": "寄件"
        case "off": "停用"
        default: role
        }
    }

    /// The person in a ledger actor (`王芳@parcel-station-web(uid 0)` → `王芳`): the counter needs the name, not the tool.
    public static func staff(_ actor: String) -> String {
        actor.split(separator: "@", maxSplits: 1).first.map(String.init) ?? actor
    }

    /// An error as one sentence for the counter.
    public static func error(_ error: any Error) -> String {
        switch error {
        case let wire as WireError: Self.error(wire)
        case let client as ClientError: Self.unreachable(client)
        default: "出错了：\(error)"
        }
    }

    public static func unreachable(_ error: ClientError) -> String {
        switch error {
        case .cannotConnect: "连不上站点服务（parcel-stationd），请检查它是否在运行。本次操作没有执行。"
        case .connectionClosed: "与站点服务的连接中断：请查一下该包裹的状态再重试。"
        case .timedOut: "站点服务没有及时回应：请查一下该包裹的状态再重试。"
        case .badReply: "站点服务的回复无法识别，请联系维护人员。"
        case .incompatible(let server): "站点服务版本（协议 \(server)）与控制台不兼容，请一起升级。"
        }
    }

    public static func error(_ error: WireError) -> String {
        let words: String? =
            switch error.code {
            case .trackingInvalid: "单号无法识别"
            case .checkDigit: "单号校验位不对，可能扫错或输错了"
            case .phoneInvalid: "手机号不对"
            case .pickupCodeInvalid: "取件码格式不对（例：3-2-0147）"
            case .parcelNotFound: "本站没有这个包裹"
            case .illegalTransition: "该包裹当前状态不能这样操作"
            case .credentialRequired: "请输入取件码或手机尾号"
            case .noMatch: "没有找到匹配的包裹"
            case .tooManyAttempts: "错误次数太多，请稍后再试"
            case .codeMismatch: "取件码与包裹不符"
            case .notAwaitingPickup: "该包裹不在待取状态"
            case .shelfFull: "货架已满，请先整理货架"
            case .unknownCommand: "不认识的指令条码"
            case .scannerNotFound: "找不到这把扫描枪"
            case .handoffNotFound: "找不到这次交接"
            case .handoffClosed: "这次交接已经结束"
            case .unknownParty: "不认识的快递员/司机"
            case .confirmationFailed: "PIN 或工牌不对"
            case .lockedOut: "错误次数太多，已暂时锁定"
            case .manifestInvalid: "清单文件无法读取"
            case .discrepancyNotFound: "找不到这条差异"
            case .discrepancyResolved: "这条差异已处理"
            case .outgoingDuplicate: "这个寄件已登记过"
            case .complaintNotFound: "找不到这条投诉"
            case .complaintResolved: "这条投诉已处理"
            case .undoWindowPassed: "已超过可撤销的时间"
            case .undoOnHandoff: "包裹已在交接中，不能撤销"
            case .notAParcelProductCode: "这是商品条码，不是快递单号"
            case .notAParcelBagLabel: "这是总包/袋号条码，请在交接时扫描"
            case .notAParcelCommand: "这是命令条码或工牌，不能入库"
            case .notAParcelTooShort: "号码太短，不是快递单号"
            case .notAParcelNoDigits: "号码中没有数字，不是快递单号"
            case .problemNotFound: "找不到这条问题件"
            case .problemResolved: "这条问题件已处理"
            case .problemAlreadyOpen: "该包裹已有未处理的问题件"
            case .relayUnknownDestination: "本站和下级服务站都不服务这个目的地，请核对村名或分拣码"
            case .relayNotInTransit: "该包裹不在中转区"
            case .handoffUnknownBag: "清单上没有这个袋号，请逐件扫描袋里的包裹"
            case .exchangeUnknownStation: "签名的服务站不在本站的站点名单（chain.stations）里，无法核对"
            case .exchangeBadSignature: "签名核对不上：文件被改过、是伪造的或不是对方的密钥签的，不能导入"
            case .exchangeNotForThisStation: "这份交接单是发给别的服务站的"
            case .exchangeUnknownManifest: "本站没有签发过这份回执对应的交接单"
            case .exchangeNotStationHandoff: "这不是与其他服务站之间的签名交接"
            case .stocktakeNotFound: "找不到这次盘点"
            case .stocktakeClosed: "这次盘点已经结束"
            case .accessDenied: "控制台没有修改权限（请把它的用户加入 access.writers）"
            case .busy, .tooManyConnections: "站点服务正忙，请稍后再试"
            case .shuttingDown: "站点服务正在停止，请稍后再试"
            case .diskFull: "磁盘已满：没有保存。请清理磁盘后重试"
            case .storeUnavailable: "账本暂时无法写入，本次没有保存"
            case .invalidParams: "输入有误"
            default: nil
            }
        // The daemon's sentence stays beside the words: it names the field or the value.
        guard let words else { return error.message }
        return "\(words)（\(error.message)）"
    }
}
