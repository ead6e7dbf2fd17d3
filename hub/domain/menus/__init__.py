"""Menus: named product selections with validity dates, and the active menu of a location."""
