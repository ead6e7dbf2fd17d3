"""The hub's side of the MQTT broker: Mosquitto password and ACL files kept in step with the registers,
broker reloads, and the publisher that sends retained catalog snapshots."""
