"""Business transactions: draft, documents, the review chain (初审, 审核, 复核, 审批) and posting
(第六条, 第七条, 第十三条). The only way anything reaches the ledger."""
