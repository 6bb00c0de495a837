"""Pure values the whole system shares, with no Django: canonical JSON for hashing (`canonical`), amounts,
rounding and the fen↔yuan formatter (`money`), contribution months and ages (`periods`), identifier arithmetic
(`identifiers`: GB 11643 ID numbers, GB 32100 credit codes, masking), the one canonicalisation rule for input
(`text`: NFKC for formatted values, ASCII digits only; free text without control characters), CSV cells safe
from formula injection (`csvsafe`) and where the files live (`home`)."""
