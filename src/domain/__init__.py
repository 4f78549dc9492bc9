"""The domain: entities, the attendance session aggregate, domain errors and the ports
(repository and adapter interfaces) that the outer layers implement. Plain Python only."""
