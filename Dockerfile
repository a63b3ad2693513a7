# One image for the API, the worker and the one-shot migration; docker-compose picks the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/prisma-generate.mjs tools/ensure-deps.mjs tools/
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci
COPY . .
RUN npm run build \
 && node -e "require('./dist/worker/create-workers').bundleWorkflows().then(({code}) => require('fs').writeFileSync('dist/workflow-bundle.js', code))" \
 && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
# The web app, served by the API from its own origin (WEB_APP_DIST_DIR).
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
USER node
CMD ["node", "dist/api/main.js"]
