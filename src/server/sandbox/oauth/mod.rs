//! The OAuth side: the authorize page a person uses in a browser, the code exchange, the
//! long-lived exchange and the refresh, with Instagram's rules and error shapes.

mod authorize;
mod page;
mod token;

pub(super) use self::page::{esc, page};

pub use self::{
    authorize::{authorize_decision, authorize_page},
    token::{access_token, exchange_long_lived, refresh},
};
