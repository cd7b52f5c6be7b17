"""Returns, values, system plans and papers arrive with the issues that build them."""
