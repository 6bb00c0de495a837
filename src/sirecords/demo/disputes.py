"""The demo's disputes of the record (第十六条, issue #18), so that the desk's queue and the portal have cases to show:

- the worker disputes a month of her contributions online, with a payslip scan: `received`, waiting for a staff member
  who posted none of that month's entries;
- the flexible worker disputed her registration at the counter (the signed written request scanned); a reviewer who
  posted none of it refused it with the reasons — the portal shows them and the right to review or litigation.
"""

from __future__ import annotations

from sirecords.demo import accounts
from sirecords.demo.documents import scan
from sirecords.disputes import services as disputes
from sirecords.portal.credentials import person_username
from sirecords.portal.services import holder
from sirecords.registry.models import Person


def load(worker: Person, flexible: Person, month: str) -> int:
    """File the demo's two cases (the worker's about `month`); returns how many."""
    disputes.file(holder(person_username(worker.uid)), person=worker.uid, item="contribution", period=month,
                  claim="该月工资单显示的缴费工资高于记录中的缴费工资，请核查。 My payslip for this month shows a higher "
                        "wage than the record.", channel="web",
                  scans=(disputes.Document("evidence", scan("payslip"), "payslip.pdf"),))
    refused = disputes.file(accounts.actor("clerk.chen"), person=flexible.uid, item="registration", channel="counter",
                            claim="登记的联系地址不是我的地址。 The address registered is not mine.",
                            scans=(disputes.Document("written_request", scan("written request"), "request.pdf"),))
    disputes.refuse(accounts.actor("review.multi"), refused.uid, "登记地址与本人登记时提交并签字的申请表一致，记录无误；如需更改"
                    "地址，请办理个人信息变更。 The address is the one on the signed registration form; to change it, "
                    "apply for a change of details.", channel="counter")
    return 2
