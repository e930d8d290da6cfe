"""Policies for the ecommerce-dr platform, grouped by area; `catalogue` lists them all."""
