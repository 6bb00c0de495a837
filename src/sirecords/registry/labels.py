"""Names of registry fields as staff read them (Chinese first) and how values are shown."""

from __future__ import annotations

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "id_number": ("公民身份号码", "Resident ID number"),
    "name": ("姓名/名称", "Name"),
    "phone": ("联系电话", "Phone"),
    "address": ("地址", "Address"),
    "region": ("所属地区", "Region"),
    "sex": ("性别", "Sex"),
    "birth_date": ("出生日期", "Birth date"),
    "birth_month": ("出生年月", "Birth year-month"),
    "pooling_region": ("参保地", "Pooling region"),
    "registered_on": ("登记日期", "Registered on"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "uscc_override": ("校验例外理由", "Checksum override reason"),
    "status": ("单位状态", "Employer status"),
    "person": ("参保人员", "Insured person"),
    "employer": ("用人单位", "Employer"),
    "employment": ("就业记录", "Employment period"),
    "start": ("开始日期", "Start"),
    "end": ("结束日期", "End"),
    "method": ("处理方法", "Method"),
    "target": ("维护对象", "Record maintained"),
    # the steps of a dispute of the record (disputes/transactions.py), in the maintenance log
    "state": ("状态", "State"),
    "item": ("异议事项", "Item disputed"),
    "period": ("月份", "Month"),
    "claim": ("异议内容", "Claim"),
    "requester_kind": ("申请人类型", "Who asked"),
    "requester": ("申请人", "Requester"),
    "delegate": ("受委托人", "Delegate"),
    "channel": ("渠道", "Channel"),
    "received_on": ("受理日期", "Received on"),
    "due_on": ("答复期限", "Due on"),
    "examiner": ("复核人", "Examiner"),
    "reason": ("理由", "Reasons"),
    "remedy": ("救济途径", "Right to review or litigation"),
    "referred_to": ("转交地区", "Referred to"),
    "decided_on": ("决定日期", "Decided on"),
    "transaction": ("业务流水", "Transaction"),
    "correction": ("更正业务", "Correction"),
    "evidence": ("材料", "Evidence"),
}


def label(field: str) -> str:
    return FIELD_LABELS.get(field, (field, field))[0]
