"""调解 (mediation) on a case: sessions on record, the three-tier attempt rule, and 吹哨报到."""
