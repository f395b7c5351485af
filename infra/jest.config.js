// Checks the deployment manifests (docker-compose.yml, infra/k8s, Dockerfile) against the services' config schemas.
module.exports = { ...require('../jest.preset.js'), displayName: 'infra', rootDir: __dirname };
