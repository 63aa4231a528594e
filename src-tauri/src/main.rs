//! Corridor desktop application entry point.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    corridor_desktop::run();
}
