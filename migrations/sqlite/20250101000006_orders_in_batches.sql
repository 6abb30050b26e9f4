-- Rampart schema, SQLite, version 6 (issue 22: crash consistency).
--
-- An order's status now changes in the same transaction as the batch that holds its fills,
-- the position and the engine state (EventBatch::orders): the append script upserts the
-- batch's orders with `ON CONFLICT (client_order_id) DO UPDATE SET symbol = excluded.symbol,
-- side = excluded.side, ...`. A client order id belongs to one symbol and side for ever:
-- this trigger refuses an update that would change them, which fails the whole append
-- (StoreError::Conflict) instead of silently keeping or replacing the stored order.
CREATE TRIGGER orders_keep_identity
BEFORE UPDATE OF symbol, side ON orders
WHEN NEW.symbol <> OLD.symbol OR NEW.side <> OLD.side
BEGIN
    SELECT RAISE(ABORT, 'order identity: a client order id of this batch exists for another symbol or side');
END;
