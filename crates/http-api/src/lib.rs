//! Rampart HTTP surface (work in progress).
