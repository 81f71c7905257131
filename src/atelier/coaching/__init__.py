"""Coaching: five discipline coaches, insights and progression analysis, illustrations."""
