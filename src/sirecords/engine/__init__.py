"""The rules engine (第六条 fourth paragraph): contribution amounts, individual account balances,
contribution years and benefit standards are computed from the raw data by rules set in advance.

Pure Python and `Decimal` only (never float), no Django: `make lint` holds it to that (import contracts);
the parameter sets as loaded through the ledger live in `sirecords.parameters`. Every computation returns a
`Result(value, trace)`: the trace holds the inputs, the parameter-set version and each step with its formula
in Chinese and English.

Modules (money and periods — amounts, rounding, Month, Age — are values in `sirecords.core`):
  params        versioned parameter sets (TOML under data/, region over national)
  trace         Step, Trace, Result
  contributions contribution base, amounts per party, the monthly account credit
  crediting     annual crediting of the individual account (记账利率), by arrival month or period; recomputation
  late_fees     late fees on contributions paid after their due date (滞纳金)
  years         contribution months (actual + deemed, overlaps counted once)
  retirement    statutory retirement age under the 2025 reform, minimum contribution years
  pension       basic pension: basic, account and transitional parts, yearly adjustments
  subsidies     social insurance subsidies of a scheme, month by month
  transfers     transfers between regions: funds (12 % pooled), table rows, temporary account, place of benefit
"""
