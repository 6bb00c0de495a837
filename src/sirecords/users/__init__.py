"""Staff users, their roles per region, confidentiality agreements and service-account tokens
(第七条, 第十一条, 第二十六条, 第二十八条(二))."""
