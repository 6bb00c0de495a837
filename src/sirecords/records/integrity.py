from sirecords.ledger.verify import Report, register_check
from sirecords.records.access_log import check_chain


@register_check
def access_log_chain(report: Report) -> None:
    check_chain(lambda where, message: report.add("access-log", where, message))
