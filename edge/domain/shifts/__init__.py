"""Shifts and cash: open (fiscal openShift), cash in/out, X report, Z report with counted cash, warnings."""
