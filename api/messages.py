"""User-facing messages of the API and CLI, in Chinese, in one place."""

EMPTY_QUERY = "查询内容不能为空，请输入要检索的问题或关键词"
DOCUMENT_NOT_FOUND = "未找到编号为 {doc_id} 的文档"
PILOT_NOT_FOUND = "未找到编号为 {pilot_id} 的试点"
MISSING_PARAMETER = "缺少必填参数 {name}"
INVALID_INTEGER = "参数 {name} 应为整数"
INVALID_NUMBER = "参数 {name} 应为数字"
TOO_SMALL = "参数 {name} 不能小于 {limit}"
TOO_LARGE = "参数 {name} 不能大于 {limit}"
NOT_ALLOWED = "参数 {name} 的取值无效，应为：{allowed}"
NOT_ALLOWED_VALUES = "参数 {name} 的取值“{values}”无效，应为：{allowed}"
INVALID_PARAMETER = "参数 {name} 无效：{reason}"
INTERNAL_ERROR = "服务器内部错误，请稍后重试"
EMPTY_PROFILE = "情况描述不能为空"
EMPTY_QUESTION = "问题不能为空，请输入要咨询的问题"
NOTHING_INGESTED_YET = (
    "知识库中还没有文档（数据目录 {path}）：请先导入，如 .venv/bin/tanlu ingest corpus；"
    "或设置 TANLU_DATA_DIR 指向已有的数据目录"
)
NOTHING_TO_COMPILE = "所选条件下没有可汇编的经验做法：请放宽试点类型、领域或时期，或勾选要收录的做法"
COMPILE_TOO_MANY = "所选经验做法共 {count} 项，超过单份汇编的上限 {limit} 项：请按试点类型、领域或时期缩小范围"
PDF_NEEDS_LIBREOFFICE = (
    "生成 PDF 需要 LibreOffice（soffice），本机未安装：请安装 libreoffice-writer-nogui 后重试；"
    "Word 文件（.docx）仍可下载"
)
PDF_FAILED = "LibreOffice 转换 PDF 失败：{reason}；Word 文件（.docx）仍可下载"
PREVIEW_NEEDS_PDFTOPPM = "生成页面预览需要 pdftoppm（poppler-utils），本机未安装；Word 文件（.docx）仍可下载"
TOC_WITHOUT_PAGES = "目录页码需用 Word 打开后更新（{reason}）"

# Writes over HTTP: tokens, uploads, jobs.
WRITES_DISABLED = "写入接口未启用：请在服务端设置环境变量 TANLU_WRITE_TOKEN（写入令牌）后重启服务"
TOKEN_MISSING = "需要访问令牌：请在请求头中加入 Authorization: Bearer <令牌>"
TOKEN_WRONG = "访问令牌无效"
ADMIN_TOKEN_NEEDED = "此操作需要发改委的写入令牌（TANLU_WRITE_TOKEN），试点令牌不能使用"
PILOT_ONLY = "此令牌属于试点 {own}，只能写入该试点的文档（请求涉及试点 {other}）"
PILOT_FILE_FOREIGN = "文件声明的试点编号为 {other}，此令牌只能上传试点 {own} 的文档"
PILOT_IDENTITY_FIXED = (
    "{label}应为本试点已登记的「{fixed}」（此次为「{given}」）：试点令牌不能更改试点的名称、类型或地区，"
    "如需更改请联系发改委"
)
PILOT_NAME_TAKEN = "试点名称「{name}」已属于试点 {other}：请改用本试点自己的名称"
WRITE_TOKEN_NEEDED = "此操作需要写入令牌（TANLU_WRITE_TOKEN），读取令牌不能用于写入"
NOT_MULTIPART = "上传请求应为 multipart/form-data（表单字段 files 放文件）"
MALFORMED_UPLOAD = "上传请求格式错误：{reason}"
NO_FILES = "请求中没有文件：请用表单字段 files 上传一个或多个文件"
TOO_MANY_FILES = "一次最多上传 {limit} 个文件"
FILE_TOO_LARGE = "文件 {name} 超过大小上限 {limit}，未保存"
FILE_EMPTY = "文件 {name} 为空"
UNSUPPORTED_CONTENT = (
    "无法识别文件 {name} 的内容：不是文本（UTF-8、GB18030、Big5），也不是 PDF、Word（.docx）、OFD 或 HTML"
)
UNKNOWN_FORM_FIELD = "未知的表单字段 {name}，可用字段：{allowed}"
REPEATED_FORM_FIELD = "表单字段 {name} 只能填写一次"
FILES_FIELD_NOT_FILE = "表单字段 files 应为文件"
DUPLICATE_UPLOAD_NAME = "文件 {first} 与 {second} 保存后同名（{name}），请改名后再上传"
UPLOAD_REPLACED = "已替换同名的已上传文件"
UPLOAD_ROLLED_BACK = "未导入，文件未保存"
UPLOAD_ROLLED_BACK_PREVIOUS = "未导入，已恢复此前上传的同名文件"
NOTHING_INGESTED = "上传的文件均未导入：{reason}"
# An upload job's end: UPLOAD_DONE when every file was stored, else UPLOAD_ENDED; the
# parts are the counts below, joined by 「，」 (the page shows this line as it is).
UPLOAD_DONE = "导入完成：{parts}"
UPLOAD_ENDED = "导入结束：{parts}"
UPLOAD_COUNTS = {"ok": "{count} 个文件已入库", "error": "{count} 个未导入", "skipped": "{count} 个跳过"}
# An upload's metadata comes from the form (written by the API into the sidecar): its
# advice points to the form where a folder ingest's points to the sidecar file.
FILL_IN_FORM = "请在表单中{action}"
# Fields the upload form offers as a list to choose from (the others are typed in),
# and the action each asks for, by the field's Chinese name.
FORM_CHOICES = ("pilot_type", "region", "doc_type")
FORM_CHOOSE = "选择{label}"
FORM_TYPE_IN = "填写{label}"
FORM_ACTION_DEFAULT = "填写字段 {name}"
FROM_FORM = "（表单中填写的值）"
CORPUS_DIR_MISSING = "语料目录 {path} 不存在，本次只扫描上传目录"
JOB_NOT_FOUND = "未找到编号为 {job_id} 的任务"
JOB_FAILED = "任务失败：{reason}"
JOB_INTERRUPTED = "服务停止，任务已中断（下次导入会补全未完成的部分）"
JOB_NOT_RUN = "服务停止，任务未执行"
JOB_WAITING_RESTART = "服务停止，等待服务重启后继续"
JOB_RESUMING = "服务重启后继续执行"
JOB_RESUMED = "服务重启后继续执行完成"
JOB_NOT_RESUMABLE = "服务在任务完成前停止，该任务无法继续，请重新提交"
UPLOAD_FILES_GONE = "服务在任务完成前停止，接收的文件已不在服务器上（{names}），请重新上传"
DELETE_ALREADY_DONE = "文档 {doc_id} 已不在知识库中（删除在服务停止前已完成）"
DOCUMENT_GONE = "文档 {doc_id} 已不在知识库中（可能已被其他任务删除）"
DELETED_WITH_FILE = "已删除，上传的文件一并删除"
DELETED_KEEP_FILE = "已从知识库删除；源文件保留，重新扫描时跳过（文件内容变化后会重新导入）"

# Requests that fail before any route runs (body parsing, unknown address, wrong method).
BODY_NOT_JSON = "请求体不是有效的 JSON"
BODY_UNREADABLE = "请求体无法解析：应为 UTF-8 编码的 JSON"
BODY_NOT_OBJECT = "请求体应为 JSON 对象，字段说明见 /docs"
NOT_A_STRING = "参数 {name} 应为文本"
NOT_A_BOOLEAN = "参数 {name} 应为 true 或 false"
NOT_A_LIST = "参数 {name} 应为列表"
TOO_LONG = "参数 {name} 过长（最多 {limit} 个字符）"
TOO_SHORT = "参数 {name} 过短（至少 {limit} 个字符）"
UNKNOWN_FIELD = "未知的参数 {name}"
PATH_NOT_FOUND = "地址 {path} 不存在，接口列表见 /docs"
METHOD_NOT_ALLOWED = "地址 {path} 不支持 {method} 请求"
HTTP_ERROR = "请求无效（HTTP {status}）"
BODY_TIMEOUT = "请求体接收超时：{seconds} 秒内未收到后续数据，连接已关闭"
HEADER_TIMEOUT = "请求头接收超时：{seconds} 秒内未收到完整的请求头，连接已关闭"
ANSWER_TIMEOUT = "服务繁忙：{seconds} 秒内未能完成，请稍后重试"
CONTROL_CHARACTERS = "参数 {name} 含有不可见的控制字符，请删除后重试"

# Dify's external knowledge API (POST /retrieval) and MCP.
DIFY_DISABLED = "外部知识库接口未启用：请在服务端设置 TANLU_DIFY_API_KEYS（一个或多个密钥，逗号分隔）后重启服务"
DIFY_HEADER_FORMAT = "Authorization 请求头格式无效，应为 Authorization: Bearer <API Key>"
DIFY_KEY_WRONG = "API Key 无效"
DIFY_UNKNOWN_KNOWLEDGE = (
    "知识库 {knowledge_id} 不存在：knowledge_id 应为 all、试点类型（{pilot_types}）、试点编号，"
    "或设置中命名的过滤组{sets}"
)
DIFY_BAD_REQUEST = "请求无效：{reason}"
DIFY_UNKNOWN_METADATA = "未知的元数据字段 {name}，可用：{allowed}"
DIFY_UNKNOWN_OPERATOR = "不支持的比较运算符“{operator}”，可用：{allowed}"
DIFY_OPERATOR_NOT_FOR_FIELD = "元数据字段 {name} 不支持运算符“{operator}”，可用：{allowed}"
DIFY_VALUE_NEEDED = "元数据条件 {name} {operator} 缺少取值"
DIFY_BAD_TIME = "元数据条件 {name} {operator} 的取值“{value}”不是日期：应为 2025-06-30、2025H1、2025 或 Unix 时间戳"
DIFY_BAD_NUMBER = "元数据条件 {name} {operator} 的取值“{value}”不是数字"

# Command-line usage errors (api/cli_usage.py rewords click's).
CLI_HELP_HINT = "查看帮助：[blue]{command_path} {help_option}[/]"  # rich markup, as typer prints it
CLI_MISSING = "缺少{kind} {name}。"
CLI_BAD_VALUE = "{kind} {name} 的值无效：{reason}。"
CLI_NO_SUCH_OPTION = "没有选项 {name}{close}。"
CLI_NO_SUCH_COMMAND = "没有命令 {name}{close}。"
CLI_DID_YOU_MEAN = "（是否要用 {names}？）"
CLI_MISSING_COMMAND = "缺少命令。"
CLI_EXTRA_ARGUMENTS = "多余的参数：{extra}。含空格的内容（检索词、问题、路径）请整体加引号。"
CLI_OPTION_NEEDS_VALUE = "选项 {name} 后面需要{amount}。"
CLI_OPTION_TAKES_NO_VALUE = "选项 {name} 不接受值。"
CLI_USAGE_ERROR = "命令行用法有误：{detail}"
CLI_PATHS_MISSING = "路径不存在：{paths}；未导入任何文件。"
