"""Individual pension accounts and contribution years (第二条(四)): the annual crediting run, deemed service
(视同缴费年限), and the closures that other contexts report (retirement, death)."""
