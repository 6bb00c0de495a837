"""Pure values the whole system shares, with no Django: canonical JSON for hashing (`canonical`), amounts,
rounding and the fen↔yuan formatter (`money`), contribution months and ages (`periods`), identifier arithmetic
(`identifiers`: GB 11643 ID numbers, GB 32100 credit codes, masking) and where the files live (`home`)."""
