from ninja import Router

from openisms.accounts.api import AUTH

router = Router(auth=AUTH, tags=["pdca"])
