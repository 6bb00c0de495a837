"""sirecords: social insurance personal rights records (社会保险个人权益记录管理办法)."""

__version__ = "0.1.0"
