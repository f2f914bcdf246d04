"""paperbot core: platform-free paper summarizing, caching and command handling."""
