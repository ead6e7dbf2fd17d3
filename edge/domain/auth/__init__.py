"""People on the register: device token, cashier sessions opened by PIN, roles, manager approval, audit."""
