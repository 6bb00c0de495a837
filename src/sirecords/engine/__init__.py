"""The rules engine (第六条 fourth paragraph): contribution amounts, individual account balances,
contribution years and benefit standards are computed from the raw data by rules set in advance.

Pure Python and `Decimal` only (never float); no Django outside `apps.py` and the `rules`
management command. Every computation returns a `Result(value, trace)`: the trace holds the inputs,
the parameter-set version and each step with its formula in Chinese and English.

Modules:
  params        versioned parameter sets (TOML under data/, region over national)
  money         parsing and rounding of amounts (half_up to the fen, 见分进角)
  periods       contribution months (YYYY-MM) and ages (60y1m)
  trace         Step, Trace, Result
  contributions contribution base, amounts per party, the monthly account credit
  crediting     annual crediting of the individual account (记账利率), recomputation
  years         contribution months (actual + deemed, overlaps counted once)
  retirement    statutory retirement age under the 2025 reform, minimum contribution years
  pension       basic pension: basic, account and transitional parts, yearly adjustments
"""
