"""The OpenAPI 3.1 document of /api/v1, built from one table of endpoints."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
DATA_BODY = {"type": "object", "properties": {"data": {"type": "object"}}, "required": ["data"]}

REASON_BODY = {"type": "object", "properties": {"reason": {"type": "string"}}}
MIGRATE_BODY = {
    "type": "object",
    "properties": {"instances": {"type": "array", "items": {"type": "integer"}}},
    "required": ["instances"],
}
# Process administration and monitoring (webapp/api/admin_*.py); all for administrators only.
ADMIN_ENDPOINTS: list[tuple[str, str, str, bool, dict[str, Any] | None, str, str]] = [
    (
        "get",
        "/admin/processes",
        "流程列表：发布版本、草稿、各版本办件数",
        False,
        None,
        "200",
        "List",
    ),
    (
        "get",
        "/admin/processes/{key}",
        "一个流程的全部版本",
        False,
        None,
        "200",
        "Definition",
    ),
    (
        "get",
        "/admin/process-definitions/{key}/{version}",
        "流程版本及其校验结果",
        False,
        None,
        "200",
        "Definition",
    ),
    (
        "get",
        "/admin/process-definitions/{key}/{version}/bpmn",
        "导出版本的 BPMN XML",
        False,
        None,
        "200",
        "Definition",
    ),
    (
        "get",
        "/admin/process-definitions/{key}/diff",
        "两个版本（from、to）之间新增、删除、修改的元素",
        False,
        None,
        "200",
        "List",
    ),
    (
        "get",
        "/admin/process-definitions/{key}/{version}/migrations",
        "迁移预览：每个办件能否迁移到此版本及原因",
        False,
        None,
        "200",
        "List",
    ),
    (
        "post",
        "/admin/process-definitions/{key}/{version}/migrations",
        "将所选办件迁移到此版本（逐个进行、记入审计）",
        False,
        MIGRATE_BODY,
        "200",
        "List",
    ),
    (
        "get",
        "/admin/instances",
        "流程监控（process、version、status、scope、overdue、q、page 过滤）",
        False,
        None,
        "200",
        "List",
    ),
    (
        "get",
        "/admin/instances/{id}",
        "办件详情、任务数据与完整审计记录",
        False,
        None,
        "200",
        "Instance",
    ),
    (
        "post",
        "/admin/instances/{id}/suspend",
        "挂起办件",
        False,
        REASON_BODY,
        "200",
        "Instance",
    ),
    (
        "post",
        "/admin/instances/{id}/resume",
        "恢复办件",
        False,
        REASON_BODY,
        "200",
        "Instance",
    ),
    (
        "post",
        "/admin/instances/{id}/terminate",
        "终止办件（reason 必填）",
        False,
        REASON_BODY,
        "200",
        "Instance",
    ),
    (
        "post",
        "/admin/instances/{id}/retry",
        "重试出错的办件",
        False,
        REASON_BODY,
        "200",
        "Instance",
    ),
]

# (method, path, summary, public, request schema or None, success status, success schema ref)
ENDPOINTS: list[tuple[str, str, str, bool, dict[str, Any] | None, str, str]] = [
    (
        "post",
        "/tokens",
        "用户名密码换取访问令牌",
        True,
        {
            "type": "object",
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
            "required": ["username", "password"],
        },
        "201",
        "Token",
    ),
    ("get", "/me", "当前用户", False, None, "200", "User"),
    ("get", "/processes", "可发起的流程", False, None, "200", "List"),
    ("post", "/processes/{key}/instances", "发起流程", False, DATA_BODY, "201", "Instance"),
    ("get", "/instances", "可见的流程实例（process、status、page 过滤）", False, None, "200", "List"),
    ("get", "/instances/{id}", "流程实例详情", False, None, "200", "Instance"),
    ("get", "/instances/{id}/audit", "审计记录（哈希链）", False, None, "200", "List"),
    (
        "post",
        "/instances/{id}/attachments",
        "上传附件（multipart 字段 file）",
        False,
        {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        "201",
        "Attachment",
    ),
    ("get", "/tasks", "待办任务", False, None, "200", "List"),
    ("get", "/tasks/{id}", "任务详情、表单描述与草稿", False, None, "200", "TaskDetail"),
    ("post", "/tasks/{id}/claim", "认领任务", False, None, "200", "Task"),
    ("post", "/tasks/{id}/unclaim", "退回认领", False, None, "200", "Task"),
    ("put", "/tasks/{id}/draft", "保存草稿（可为部分数据）", False, DATA_BODY, "200", "Draft"),
    ("post", "/tasks/{id}/complete", "办理任务", False, DATA_BODY, "200", "Instance"),
    ("get", "/documents/{id}", "文书 PDF", False, None, "200", "Pdf"),
    ("get", "/meetings", "联席会议列表（status、page 过滤）", False, None, "200", "List"),
    (
        "get",
        "/meetings/{meeting_id}",
        "联席会议：单位、议题、议程、通知、纪要、议定事项",
        False,
        None,
        "200",
        "Meeting",
    ),
    ("get", "/meetings/{meeting_id}/documents/{id}", "会议通知、会议纪要 PDF", False, None, "200", "Pdf"),
    (
        "post",
        "/meetings/{meeting_id}/tasks/{id}/prefill",
        "整理议程、纪要前载入会议信息（草稿）",
        False,
        None,
        "200",
        "Draft",
    ),
    ("get", "/meeting-items", "议定事项台账（meeting、status、overdue、mine）", False, None, "200", "List"),
    ("get", "/meeting-items/{item_id}", "议定事项：落实记录与当前环节", False, None, "200", "MeetingItem"),
    ("get", "/organizations", "社会组织公开名录（q、credit_code、county、page）", True, None, "200", "List"),
    ("get", "/organizations/{org_id}", "社会组织详情及状态变更记录", True, None, "200", "Organization"),
    (
        "get",
        "/organizations/check",
        "统一社会信用代码校验（credit_code）：校验码是否正确、名录中是否存在",
        True,
        None,
        "200",
        "CreditCodeCheck",
    ),
    (
        "get",
        "/registration-rules",
        "现行登记规则（门槛、备案条件、期限、登记管理机关）",
        True,
        None,
        "200",
        "List",
    ),
    (
        "post",
        "/registration-rules",
        "修改登记规则（管理员；生成新版本）",
        False,
        {
            "type": "object",
            "properties": {
                "county_code": {"type": "string"},
                "org_type": {"type": "string"},
                "level": {"type": "string"},
            },
            "required": ["county_code", "org_type", "level"],
        },
        "201",
        "RegistrationRule",
    ),
    # incubation bases, incubation files and federations (issue #9)
    ("get", "/incubation/bases", "孵化基地公开名录（county；all=1 含已停止运营）", True, None, "200", "List"),
    (
        "get",
        "/incubation/bases/{base_id}",
        "孵化基地公开信息：场所、运营单位、服务、空余名额",
        True,
        None,
        "200",
        "IncubationBase",
    ),
    (
        "post",
        "/incubation/bases",
        "登记孵化基地（县级民政局负责人或市民政局）",
        False,
        {"type": "object"},
        "201",
        "IncubationBase",
    ),
    (
        "put",
        "/incubation/bases/{base_id}",
        "修改孵化基地",
        False,
        {"type": "object"},
        "200",
        "IncubationBase",
    ),
    ("post", "/incubation/bases/{base_id}/close", "孵化基地停止运营", False, None, "200", "IncubationBase"),
    (
        "get",
        "/incubation/bases/{base_id}/overview",
        "孵化基地概况：在孵组织、每月服务、成长评估（运营方、民政）",
        False,
        None,
        "200",
        "IncubationBase",
    ),
    (
        "get",
        "/incubation/counties",
        "各县孵化基地数与要求（1–2个）、在孵、累计孵化、出壳数",
        False,
        None,
        "200",
        "List",
    ),
    ("get", "/incubation/incubations", "可查看的孵化档案（status 过滤）", False, None, "200", "List"),
    (
        "get",
        "/incubation/incubations/{incubation_id}",
        "孵化档案：申请、协议、服务记录、成长评估、托管台账、证书",
        False,
        None,
        "200",
        "Incubation",
    ),
    (
        "post",
        "/incubation/incubations/{incubation_id}/attachments",
        "上传服务或台账佐证材料（multipart 字段 file）",
        False,
        {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        "201",
        "Attachment",
    ),
    (
        "get",
        "/incubation/incubations/{incubation_id}/attachments/{attachment_id}",
        "下载佐证材料",
        False,
        None,
        "200",
        "Pdf",
    ),
    (
        "get",
        "/incubation/incubations/{incubation_id}/documents/{doc_id}",
        "孵化协议、出壳证书 PDF",
        False,
        None,
        "200",
        "Pdf",
    ),
    ("get", "/incubation/incubations/{incubation_id}/services", "服务记录", False, None, "200", "List"),
    (
        "post",
        "/incubation/incubations/{incubation_id}/services",
        "记录一次服务（运营方）",
        False,
        {"type": "object"},
        "201",
        "IncubationService",
    ),
    (
        "get",
        "/incubation/incubations/{incubation_id}/ledger",
        "财务托管台账（组织与县级民政部门只读）",
        False,
        None,
        "200",
        "CustodyLedger",
    ),
    (
        "post",
        "/incubation/incubations/{incubation_id}/ledger",
        "托管台账记账（运营方）",
        False,
        {"type": "object"},
        "201",
        "CustodyLedger",
    ),
    (
        "post",
        "/incubation/incubations/{incubation_id}/ledger/{entry_id}/reverse",
        "红字冲正一笔台账（reason）",
        False,
        {"type": "object", "properties": {"reason": {"type": "string"}}, "required": ["reason"]},
        "201",
        "CustodyLedger",
    ),
    (
        "post",
        "/incubation/incubations/{incubation_id}/registration",
        "出壳组织发起按孵化档案预填的登记（备案）申请",
        False,
        None,
        "201",
        "Instance",
    ),
    ("get", "/incubation/federations", "社区社会组织联合会（county 过滤）", True, None, "200", "List"),
    (
        "get",
        "/incubation/federations/{federation_id}",
        "联合会及其会员（入会、退会日期）",
        True,
        None,
        "200",
        "Federation",
    ),
    (
        "post",
        "/incubation/federations",
        "认定联合会（县级民政部门或市民政局）",
        False,
        {"type": "object"},
        "201",
        "Federation",
    ),
    (
        "post",
        "/incubation/federations/{federation_id}/members",
        "会员入会（organization_id、joined_on）",
        False,
        {"type": "object"},
        "201",
        "Federation",
    ),
    (
        "post",
        "/incubation/federations/{federation_id}/members/{member_id}/leave",
        "会员退会（left_on、leave_reason）",
        False,
        {"type": "object"},
        "200",
        "Federation",
    ),
    ("get", "/assessment-indicators", "可用于考评的系统计算指标", False, None, "200", "List"),
    ("get", "/county-populations", "各县（市、区）常住人口配置（每万人指标）", False, None, "200", "List"),
    (
        "put",
        "/county-populations",
        "修改常住人口配置（市委政法委）",
        False,
        {
            "type": "object",
            "properties": {"populations": {"type": "array", "items": {"type": "object"}}},
            "required": ["populations"],
        },
        "200",
        "List",
    ),
    ("get", "/assessments", "考评期列表", False, None, "200", "List"),
    (
        "post",
        "/assessments",
        "开启考评期：指标、权重、满分值、达标线",
        False,
        {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "starts_on": {"type": "string", "format": "date"},
                "ends_on": {"type": "string", "format": "date"},
                "threshold": {"type": "number"},
                "indicators": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["title", "starts_on", "ends_on", "indicators"],
        },
        "201",
        "Assessment",
    ),
    (
        "get",
        "/assessments/{period_id}",
        "考评期与考评结果（sort、order 排序）",
        False,
        None,
        "200",
        "Assessment",
    ),
    (
        "put",
        "/assessments/{period_id}/values",
        "填报指标数值及佐证",
        False,
        {
            "type": "object",
            "properties": {"values": {"type": "array", "items": {"type": "object"}}},
            "required": ["values"],
        },
        "200",
        "Assessment",
    ),
    (
        "post",
        "/assessments/{period_id}/evidence",
        "上传佐证材料（multipart 字段 file）",
        False,
        {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        "201",
        "Attachment",
    ),
    ("get", "/assessments/{period_id}/evidence/{attachment_id}", "下载佐证材料", False, None, "200", "Pdf"),
    (
        "post",
        "/assessments/{period_id}/compute",
        "计算考评结果：得分、排名、滞后标记",
        False,
        None,
        "200",
        "Assessment",
    ),
    ("post", "/assessments/{period_id}/publish", "发布考评结果", False, None, "200", "Assessment"),
    ("get", "/supervision/ladder", "督办阶梯配置（通报、约谈、挂牌督办）", False, None, "200", "List"),
    (
        "put",
        "/supervision/ladder",
        "修改督办阶梯",
        False,
        {
            "type": "object",
            "properties": {"rungs": {"type": "array", "items": {"type": "object"}}},
            "required": ["rungs"],
        },
        "200",
        "List",
    ),
    ("get", "/supervision/cases", "督办案件列表（status、county、page）", False, None, "200", "List"),
    (
        "post",
        "/supervision/cases",
        "立案督办（考评滞后或手动写明理由）",
        False,
        {
            "type": "object",
            "properties": {
                "county_code": {"type": "string"},
                "case_reason": {"type": "string"},
                "period_id": {"type": "integer"},
            },
            "required": ["county_code"],
        },
        "201",
        "SupervisionCase",
    ),
    (
        "get",
        "/supervision/cases/{case_id}",
        "督办案件：时间线、文书、整改方案、挂牌、待办",
        False,
        None,
        "200",
        "SupervisionCase",
    ),
    ("get", "/supervision/listings", "挂牌督办公示（含摘牌）", True, None, "200", "List"),
    (
        "get",
        "/supervision/listings/{listing_id}/documents/{id}",
        "挂牌督办通知书、摘牌通知 PDF",
        True,
        None,
        "200",
        "Pdf",
    ),
    ("get", "/admin/process-definitions", "流程定义版本列表（管理员）", False, None, "200", "List"),
    (
        "post",
        "/admin/process-definitions",
        "上传 BPMN（原始 XML 或 multipart 字段 file；?draft=1：有错误也保存为草稿，返回 201 与校验结果）",
        False,
        {"type": "string", "format": "binary"},
        "201",
        "Definition",
    ),
    (
        "post",
        "/admin/process-definitions/{key}/{version}/deploy",
        "发布草稿版本",
        False,
        None,
        "200",
        "Definition",
    ),
    ("get", "/funding/calls", "资助批次列表", False, None, "200", "List"),
    (
        "get",
        "/funding/calls/{call_id}",
        "资助批次：申请、评分、名单、公示；办公室另见异议与台账",
        False,
        None,
        "200",
        "FundingCall",
    ),
    (
        "post",
        "/funding/calls/{call_id}/applications",
        "以所代表的组织申报（organization_id），自动预填申请书",
        False,
        {
            "type": "object",
            "properties": {"organization_id": {"type": "integer"}},
            "required": ["organization_id"],
        },
        "201",
        "Instance",
    ),
    (
        "get",
        "/funding/calls/{call_id}/ledger",
        "批次资金台账（预算 = 已资助 + 结余，按县区、领域）",
        False,
        None,
        "200",
        "FundingLedger",
    ),
    ("get", "/funding/totals", "资助与拨付汇总（按批次、县区、领域）", False, None, "200", "FundingTotals"),
    (
        "get",
        "/funding/proposals/{proposal_id}",
        "资助申请详情：计划、专家评分、拨付、处理记录",
        False,
        None,
        "200",
        "FundingProposal",
    ),
    (
        "get",
        "/funding/organizations/{org_id}",
        "社会组织的资助历史与监管案件",
        False,
        None,
        "200",
        "FundingHistory",
    ),
    (
        "post",
        "/funding/tasks/{id}/prefill",
        "载入评分细则、建议名单或待处理异议（草稿）",
        False,
        None,
        "200",
        "Draft",
    ),
    ("get", "/funding/supervisions", "社会组织监管案件（organization_id）", False, None, "200", "List"),
    (
        "post",
        "/funding/supervisions",
        "对社会组织监管立案（期间不得申请资助）",
        False,
        {
            "type": "object",
            "properties": {
                "organization_id": {"type": "integer"},
                "reason": {"type": "string"},
                "basis": {"type": "string"},
            },
            "required": ["organization_id", "reason"],
        },
        "201",
        "FundingSupervision",
    ),
    (
        "post",
        "/funding/supervisions/{case_id}/close",
        "监管案件结案",
        False,
        {"type": "object", "properties": {"note": {"type": "string"}}},
        "200",
        "FundingSupervision",
    ),
    ("get", "/funding/notices", "资助名单公示列表", True, None, "200", "List"),
    (
        "get",
        "/funding/notices/{call_id}",
        "资助名单公示：名单、公示期、评审专家",
        True,
        None,
        "200",
        "FundingNotice",
    ),
    (
        "post",
        "/funding/notices/{call_id}/objections",
        "公示期内提出书面异议（须署名并留联系方式）",
        True,
        {
            "type": "object",
            "properties": {
                k: {"type": "string"}
                for k in ("proposal_id", "objector_name", "objector_contact", "objection_content")
            },
            "required": ["proposal_id", "objector_name", "objector_contact", "objection_content"],
        },
        "201",
        "Objection",
    ),
    *ADMIN_ENDPOINTS,
]

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    "Token": {
        "type": "object",
        "properties": {"token": {"type": "string"}, "expires_at": {"type": "string"}},
    },
    "User": {"type": "object"},
    "List": {
        "type": "object",
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {}},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    },
    "Task": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "name",
                "form_key",
                "process_key",
                "instance_id",
                "lane",
                "scope",
                "assignee",
                "due_at",
                "overdue",
                "created_at",
            )
        },
    },
    "TaskDetail": {"type": "object"},
    "Draft": {"type": "object"},
    "Instance": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "process_key",
                "version",
                "status",
                "scope",
                "business_key",
                "started_by",
                "created_at",
                "completed_at",
                "tasks",
                "history",
                "documents",
            )
        },
    },
    "Attachment": {"type": "object"},
    "Definition": {"type": "object"},
    "Pdf": {"type": "string", "format": "binary"},
    "Meeting": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "instance_id",
                "title",
                "kind",
                "level",
                "status",
                "units",
                "topics",
                "agenda",
                "notice",
                "minutes",
                "items",
                "documents",
                "tasks",
            )
        },
    },
    "MeetingItem": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "meeting",
                "no",
                "content",
                "owner",
                "co_units",
                "deadline",
                "status",
                "overdue",
                "escalated",
                "reports",
                "task",
                "can_act",
            )
        },
    },
    "Organization": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "name",
                "org_type",
                "category",
                "service_field",
                "county",
                "status",
                "credit_code",
                "filing_number",
                "registered_at",
                "valid_until",
                "history",
            )
        },
    },
    "RegistrationRule": {"type": "object"},
    "Assessment": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "title",
                "starts_on",
                "ends_on",
                "threshold",
                "status",
                "indicators",
                "scorecard",
                "lagging",
            )
        },
    },
    "SupervisionCase": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "instance_id",
                "county",
                "reason",
                "status",
                "rung",
                "ladder",
                "timeline",
                "documents",
                "plans",
                "listings",
                "tasks",
            )
        },
    },
    "IncubationBase": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "name",
                "county",
                "street",
                "address",
                "premises_source",
                "operator",
                "capacity",
                "in_incubation",
                "vacancies",
                "services",
                "status",
                "opened_on",
            )
        },
    },
    "Incubation": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "instance_id",
                "base",
                "group_name",
                "group_stage",
                "status",
                "started_on",
                "ends_on",
                "agreement",
                "certificate",
                "services",
                "evaluations",
                "ledger",
                "registration_offer",
                "registration_instance_id",
            )
        },
    },
    "IncubationService": {"type": "object"},
    "CustodyLedger": {
        "type": "object",
        "properties": {k: {} for k in ("entries", "income", "expense", "balance")},
    },
    "Federation": {
        "type": "object",
        "properties": {
            k: {} for k in ("id", "organization", "level", "area", "designated_on", "member_count", "members")
        },
    },
    "FundingCall": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "title",
                "kind",
                "fields",
                "area",
                "budget",
                "max_per_project",
                "opens_at",
                "closes_at",
                "rubric",
                "tranches",
                "experts_per_proposal",
                "status",
                "proposals",
                "rounds",
                "objections",
                "ledger",
            )
        },
    },
    "FundingProposal": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "id",
                "call_id",
                "organization",
                "title",
                "field",
                "budget_total",
                "status",
                "score",
                "rank",
                "approved_amount",
                "paid",
                "reviews",
                "payments",
                "sanctions",
            )
        },
    },
    "FundingLedger": {
        "type": "object",
        "properties": {
            k: {}
            for k in (
                "budget",
                "funded",
                "paid",
                "outstanding",
                "remaining",
                "by_county",
                "by_field",
                "payments",
                "checks",
                "reconciles",
            )
        },
    },
    "FundingTotals": {"type": "object", "properties": {k: {} for k in ("calls", "by_county", "by_field")}},
    "FundingHistory": {
        "type": "object",
        "properties": {
            k: {}
            for k in ("organization", "proposals", "funded_total", "paid_total", "sanctions", "supervisions")
        },
    },
    "FundingSupervision": {"type": "object"},
    "FundingNotice": {
        "type": "object",
        "properties": {
            k: {} for k in ("call", "round", "starts_at", "ends_at", "open", "entries", "experts")
        },
    },
    "Objection": {"type": "object"},
    "CreditCodeCheck": {
        "type": "object",
        "properties": {k: {} for k in ("credit_code", "valid", "problems", "exists", "organization")},
    },
}


def _operation(
    summary: str, public: bool, body: dict[str, Any] | None, status: str, schema: str
) -> dict[str, Any]:
    content_type = "application/pdf" if schema == "Pdf" else "application/json"
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {
                "description": "OK",
                "content": {content_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            },
            **{
                code: {"description": text, "content": {"application/json": {"schema": ERROR}}}
                for code, text in (
                    ("400", "请求有误"),
                    ("401", "未认证"),
                    ("403", "无权限"),
                    ("404", "不存在"),
                    ("409", "状态冲突"),
                    ("422", "数据校验失败"),
                )
            },
        },
    }
    if public:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string" if n == "key" else "integer"}}
        for n in names
    ]


def openapi_document() -> dict[str, Any]:
    """The whole document."""
    paths: dict[str, Any] = {}
    for method, path, summary, public, body, status, schema in ENDPOINTS:
        item = paths.setdefault(path, {})
        if _parameters(path):
            item["parameters"] = _parameters(path)
        item[method] = _operation(summary, public, body, status, schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": "晋中市社区社会组织工作平台 API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
