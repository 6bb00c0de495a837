"""Business transactions: draft, documents, the review chain (初审, 审核, 复核, 审批) and posting
(第六条, 第七条, 第十三条): the only way a staff change reaches `transactions.post()`. It knows no domain
app: summaries and subjects come from hooks on the transaction type."""
