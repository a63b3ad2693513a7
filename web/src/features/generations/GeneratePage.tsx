import { useParams, useSearchParams } from 'react-router';
import { Page } from '../../ui/Page';
import { GenerationForm } from './GenerationForm';
import { GenerationView } from './GenerationView';

export function GeneratePage() {
  const [params, setParams] = useSearchParams();
  const id = params.get('id');
  return (
    <Page title="Generate">
      <GenerationForm onStarted={(generation) => setParams({ id: generation.id }, { replace: false })} />
      {id && <GenerationView key={id} id={id} />}
    </Page>
  );
}

export function GenerationPage() {
  const { id = '' } = useParams();
  return (
    <Page title="Generation">
      <GenerationView id={id} />
    </Page>
  );
}
