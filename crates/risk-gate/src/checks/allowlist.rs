//! Check 4: the symbol allowlist. Only configured symbols trade, entries and
//! exits alike (a position in a delisted symbol is flattened through
//! `approve_protective_exit`, which does not consult the allowlist).

use domain::{RejectReason, Symbol};

/// Fails when `symbol` is not on `allowlist`.
pub(crate) fn check(symbol: &Symbol, allowlist: &[Symbol]) -> Option<RejectReason> {
    (!allowlist.contains(symbol)).then(|| RejectReason::SymbolNotAllowed {
        symbol: symbol.clone(),
    })
}

#[cfg(test)]
mod tests {
    use domain::RejectReason;

    use crate::testing::*;

    #[test]
    fn rejects_a_symbol_not_on_the_allowlist() {
        let intent = domain::OrderIntent {
            symbol: sym("SOL-USD"),
            ..entry()
        };
        assert_eq!(
            only_reason(&Scenario::healthy().evaluate(intent)),
            &RejectReason::SymbolNotAllowed {
                symbol: sym("SOL-USD")
            }
        );
    }

    #[test]
    fn approves_every_allowlisted_symbol() {
        for s in ["BTC-USD", "ETH-USD"] {
            let intent = domain::OrderIntent {
                symbol: sym(s),
                ..entry()
            };
            assert!(Scenario::healthy().evaluate(intent).is_approved(), "{s}");
        }
    }
}
