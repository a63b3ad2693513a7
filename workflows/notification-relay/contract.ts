/** The notification relay's input, imported by the workflow and by its Schedule. */
export interface NotificationRelayInput {
  // How many undelivered notifications one run takes from the outbox.
  pageSize: number;
}
