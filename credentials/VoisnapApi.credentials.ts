import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The signing secret(s) Voisnap signs webhooks with. The node knows no Voisnap API to check a secret
 * against, so the Voisnap Trigger's credential test (`testedBy`) checks its shape locally.
 */
export class VoisnapApi implements ICredentialType {
	name = 'voisnapApi';

	displayName = 'Voisnap API';

	icon: Icon = {
		light: 'file:../nodes/VoisnapTrigger/voisnap.svg',
		dark: 'file:../nodes/VoisnapTrigger/voisnap.dark.svg',
	};

	documentationUrl = 'https://github.com/voisnap/n8n-nodes-voisnap#credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. whsec_...',
			description:
				'The webhook signing secret exactly as Voisnap gives it, whsec_ prefix included',
		},
		{
			displayName: 'Previous Signing Secret',
			name: 'previousSigningSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'While rotating the secret: the old one, so deliveries signed with either are accepted. Clear it once the rotation is done.',
		},
	];
}
