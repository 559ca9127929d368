"""Shortener: turn long URLs into short codes, and count the visits."""
