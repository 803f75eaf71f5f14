"""While1 Voice (support.while1.ro): a PBX that rings an agent, then connects the customer."""
