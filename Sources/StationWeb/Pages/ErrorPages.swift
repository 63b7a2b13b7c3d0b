import HTTPTypes

/// Pages that say what happened, in words, when a request cannot be served.
enum ErrorPages {
    static func plain(_ title: String, _ text: String) -> HTML {
        Layout.document(
            title: title,
            body: """
                <main class="signin"><h1>\(title)</h1><p>\(text)</p>
                <p><a class="button" href="/intake">回到控制台</a></p></main>
                """)
    }

    static func forStatus(_ status: HTTPResponse.Status) -> HTML {
        switch status {
        case .notFound: plain("没有这个页面", "地址不对，或者这个功能还没有。")
        case .contentTooLarge: plain("文件太大", "上传的内容超过上限，没有做任何修改。")
        case .methodNotAllowed: plain("不支持的操作", "这个页面不接受这种请求。")
        default: plain("出错了", "控制台无法处理这个请求（HTTP \(status.code)），没有做任何修改。")
        }
    }
}
