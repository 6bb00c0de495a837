"""Registry projections. Rows are written only by the projectors (projectors.py) when a transaction
posts; `sirecords verify` rebuilds them from the ledger and compares.

Personal data (ID number, name, birth date, phone, address) is stored sealed (AES-GCM, crypto/sealing.py) and
found through keyed blind indexes; the sealed text is the same as in the ledger entry. Of the birth date only the
year-month stays in clear, for set-based computations (retirement ages); docs/privacy.md says why.
"""

from datetime import date

from django.db import models

from sirecords.core.identifiers import mask_id_number
from sirecords.core.periods import Month
from sirecords.crypto.sealing import unseal
from sirecords.ledger.projection import projected_table


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


@projected_table
class Person(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    id_number_sealed = models.TextField()
    id_number_index = models.CharField(max_length=64, unique=True)
    name_sealed = models.TextField()
    name_index = models.CharField(max_length=64, db_index=True)
    phone_sealed = models.TextField(blank=True)
    address_sealed = models.TextField(blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date_sealed = models.TextField(help_text="The full birth date, sealed: with the address code, the sex and a "
                                         "mask it would narrow the ID number to a few hundred numbers.")
    birth_month = models.CharField(max_length=7, help_text="Birth year-month YYYY-MM, in clear for set-based "
                                   "computations (retirement ages).")
    region = models.CharField(max_length=6, help_text="Household region (户籍), GB/T 2260 code.")
    pooling_region = models.CharField(max_length=6, help_text="Pooling region (参保地): the agency that insures the "
                                      "person, GB/T 2260 code; the region of the registering transaction.")
    registered_on = models.DateField()
    last_seq = models.BigIntegerField(help_text="Ledger entry that last changed this row.")

    class Meta:
        db_table = "registry_person"
        indexes = [models.Index(fields=["pooling_region"], name="person_pooling_region")]
        constraints = [models.CheckConstraint(condition=~models.Q(pooling_region=""), name="person_has_pooling_region")]

    def _open(self, field: str) -> str:
        sealed = getattr(self, f"{field}_sealed")
        return unseal(sealed, f"person:{self.uid}:{field}") if sealed else ""

    @property
    def id_number(self) -> str:
        return self._open("id_number")

    @property
    def name(self) -> str:
        return self._open("name")

    @property
    def birth_date(self) -> date:
        """The full birth date, unsealed: for one person's computation or for a reader with the right to it."""
        return date.fromisoformat(self._open("birth_date"))

    @property
    def birth_year_month(self) -> Month:
        return Month.parse(self.birth_month)

    @property
    def phone(self) -> str:
        return self._open("phone")

    @property
    def address(self) -> str:
        return self._open("address")

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def __str__(self) -> str:
        return f"person {self.uid}"


@projected_table
class FormerIdNumber(models.Model):
    """An ID number a person held before public security changed it (change_id_number): it still finds them (the
    look-ups and the cross-checks match current and former numbers), sealed like the current one."""

    id_number_index = models.CharField(primary_key=True, max_length=64, help_text="Keyed blind index of the old number.")
    person_id = models.CharField(max_length=32, db_index=True, help_text="registry_person.uid")
    id_number_sealed = models.TextField()
    changed_on = models.CharField(max_length=10, help_text="YYYY-MM-DD: the day public security changed it.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "registry_former_id_number"


class EmployerStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停缴费"
    CLOSED = "closed", "注销"


class EmployerScheme(models.TextChoices):
    """The pension scheme a unit's employees are enrolled in (AAE140): 110 enterprise, 120 public institution
    (机关事业单位), whose staff the staffing authority lists on the establishment (编制)."""

    ENTERPRISE = "enterprise", "企业职工基本养老保险 (110)"
    PUBLIC_INSTITUTION = "public_institution", "机关事业单位养老保险 (120)"


@projected_table
class Employer(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    uscc = models.CharField(max_length=18, unique=True)
    uscc_override = models.TextField(blank=True, help_text="Reason a legacy code failing GB 32100 was accepted.")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    region = models.CharField(max_length=6)
    status = models.CharField(max_length=16, choices=EmployerStatus.choices, default=EmployerStatus.ACTIVE)
    registered_on = models.DateField()
    scheme = models.CharField(max_length=20, choices=EmployerScheme.choices, default=EmployerScheme.ENTERPRISE,
                              db_default=EmployerScheme.ENTERPRISE, help_text="AAE140 110 or 120 (EmployerScheme).")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "registry_employer"
        constraints = [models.CheckConstraint(condition=models.Q(scheme__in=EmployerScheme.values),
                                              name="employer_scheme_known")]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


@projected_table
class Employment(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="employments")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "registry_employment"
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                                   name="employment_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"employment {self.uid}"
